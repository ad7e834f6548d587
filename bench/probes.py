"""Soft-404 probes per host: one per folder (before) against one per URL shape (now).

    python -m bench.probes

No server and no crawl: the crawl's own plan (archiver.crawl.probes) is
given the 2xx answers of link lists shaped like the issue's web (200
hosts, 10 links each): all in /YYYY/MM/DD/slug folders, then 80% of them
and the rest in three section folders or an /article/ID/ folder. Every
page answers 2xx: the most probes either rule can send. The realistic-web
bench measures the same on a live crawl.
"""

from __future__ import annotations

import datetime
import random

from archiver.crawl.probes import ProbePlan

HOSTS = 200
LINKS_PER_HOST = 10


def link_list(dated: float, seed: int = 15) -> list[str]:
    rng = random.Random(seed)
    urls = []
    for h in range(HOSTS):
        host = f"news{h}.example"
        for n in range(LINKS_PER_HOST):
            day = datetime.date(2023, 1, 1) + datetime.timedelta(days=rng.randrange(730))
            roll = rng.random()
            if roll < dated:
                urls.append(f"https://{host}/{day:%Y/%m/%d}/story-{n}")
            elif roll < (1 + dated) / 2:
                urls.append(f"https://{host}/{rng.choice(['politics', 'sport', 'world'])}/story-{n}")
            else:
                urls.append(f"https://{host}/article/{rng.randrange(10**6)}/story-{n}")
    return urls


def main() -> None:
    for dated in (1.0, 0.8):
        urls = link_list(dated)
        folders = {(u.split("/")[2], u.rsplit("/", 1)[0]) for u in urls}
        plan = ProbePlan()
        probes = sum(len(plan.page_answered(u, 1)) for u in urls)
        print(f"{len(urls)} links on {HOSTS} hosts, {dated:.0%} in dated folders, every one answering 2xx:")
        print(f"  one probe per folder (before): {len(folders)} probes, {len(folders) / HOSTS:.2f} per host")
        print(f"  one probe per URL shape (now): {probes} probes, {probes / HOSTS:.2f} per host")


if __name__ == "__main__":
    main()
