"""trafilatura's undocumented functions that the extraction uses, in one place.

trafilatura documents ``extract``, ``bare_extraction`` (and the ``.body``
tree of the Document it returns), ``extract_metadata``, ``load_html`` and
``trafilatura.xml.xmltotxt`` (its "Core functions" page); those are
imported where they are used. The names below are not documented and may
change in any release: pyproject.toml bounds trafilatura below its next
minor version, and tests/test_library_internals.py imports each of them and
checks how it is called, so a release that drops one fails by name.

- ``trafilatura.metadata.examine_meta``, ``extract_meta_json``,
  ``extract_title``, ``extract_sitename``: the first steps of the public
  ``extract_metadata``. That one also runs htmldate (we date pages
  ourselves, and name the source), searches bylines with many XPaths
  (5.8 ms a page) and reads categories, tags and licence: 20% of the
  extraction time, for fields the report does not use.
- ``trafilatura.settings.Document``: what those functions take and return.
"""

from __future__ import annotations

from trafilatura.metadata import examine_meta, extract_meta_json, extract_sitename, extract_title
from trafilatura.settings import Document

__all__ = ["Document", "examine_meta", "extract_meta_json", "extract_sitename", "extract_title"]
