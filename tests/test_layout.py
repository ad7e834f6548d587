"""The package's shape, read from its imports (ast): who may import what.

- no import cycle among our modules (imports inside functions count too);
- ``archiver/warc/`` imports neither Scrapy, Twisted nor the analysis;
- only ``archiver/crawl/`` imports Scrapy or Twisted.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "archiver"
CRAWL_ONLY = ("scrapy", "twisted", "scrapy_redis")

pytestmark = pytest.mark.fast


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, name: str | None = None) -> set[str]:
    """Every module a file imports, at any depth (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    name = name or module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            # `from archiver.warc import segments` imports a module, not a name.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges[name] = {m for m in imports_of(path) if m in modules and m != name}
    return edges


def external_imports() -> dict[str, set[str]]:
    return {module_name(p): {m.split(".")[0] for m in imports_of(p)} for p in PACKAGE.rglob("*.py")}


def test_no_import_cycle(graph: dict[str, set[str]]) -> None:
    # A package's __init__ that re-exports its modules is not a cycle of ours:
    # importing a submodule runs the __init__ first by Python's rule.
    def edges_of(name: str) -> set[str]:
        return {m for m in graph[name] if not name.startswith(m + ".")}

    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for other in sorted(edges_of(name)):
            if state.get(other) == 1:
                cycles.append([*trail[trail.index(other):], other] if other in trail else [name, other])
            elif other not in state:
                visit(other, [*trail, other])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_the_warc_contract_stands_alone() -> None:
    for name, used in external_imports().items():
        if name.startswith("archiver.warc"):
            assert not used & {*CRAWL_ONLY}, f"{name} imports {used & {*CRAWL_ONLY}}"
    for name, path in {module_name(p): p for p in (PACKAGE / "warc").rglob("*.py")}.items():
        ours = {m for m in imports_of(path) if m.startswith("archiver.")}
        outside = {m for m in ours if not m.startswith("archiver.warc")}
        assert not outside, f"{name} imports {outside}"


def test_only_the_crawl_imports_scrapy_or_twisted() -> None:
    offenders = {name: used & {*CRAWL_ONLY} for name, used in external_imports().items()
                 if not name.startswith("archiver.crawl") and used & {*CRAWL_ONLY}}
    assert offenders == {}


def test_every_folder_of_modules_is_a_package() -> None:
    # A folder without __init__.py imports here (a namespace package) but is
    # left out of the egg Scrapyd runs.
    folders = {p.parent for p in PACKAGE.rglob("*.py")}
    assert sorted(str(f.relative_to(ROOT)) for f in folders if not (f / "__init__.py").exists()) == []


def test_the_walk_sees_imports_inside_functions_and_relative_ones(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from . import model\n"
                      "def f():\n    from scrapy import Request\n    import twisted.internet\n")
    found = imports_of(sample, "archiver.analysis.sample")
    assert {"scrapy", "twisted.internet", "archiver.analysis.model"} <= found
