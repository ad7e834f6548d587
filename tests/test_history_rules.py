"""The pure rules of link history: streaks, confirmation, revival. No database."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest

from archiver.analysis.model import ArticleReport, LinkReport
from archiver.history import DeadPolicy
from archiver.history.rules import (
    NOT_COUNTED,
    Check,
    LinkHistory,
    SeedSet,
    counts,
    is_failure,
    judge,
    new_date_mismatch,
    newly_dead,
    recorded_verdict,
    summarize,
)

pytestmark = pytest.mark.fast

UTC = datetime.UTC
T0 = datetime.datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
URL = "https://example.org/2020/01/01/story"
VERDICT = {"ok": "alive", "redirected": "alive", "gone": "dead", "client_error": "dead", "soft_404": "dead",
           "dns_error": "dead", "timeout": "uncertain", "blocked": "uncertain", "server_error": "uncertain",
           "robots_disallowed": "uncertain", "excluded": "uncertain", "unsupported": "uncertain",
           "not_checked": "uncertain"}


def day(n: float) -> datetime.datetime:
    return T0 + datetime.timedelta(days=n)


def link(status: str, *, detail: str | None = None, date_mismatch: bool = False) -> LinkReport:
    return LinkReport(url=URL, anchor_text="a story", found_in=("seed.md",), status=status,
                      verdict=VERDICT[status], detail=detail, date_mismatch=date_mismatch)


@dataclass
class Runs:
    """Runs over one link, as the store does them: judge, then record the judged result
    with the verdict the history records (dead only when confirmed)."""

    policy: DeadPolicy = DeadPolicy()
    recorded: list[Check] = field(default_factory=list)

    def run(self, when: datetime.datetime, status: str, *, online: bool = True, **kw: object) -> LinkReport:
        before = summarize(self.recorded)
        result = judge(link(status, **kw), before, when, self.policy, online)  # type: ignore[arg-type]
        if online:
            self.recorded.append(Check(when, result.status, recorded_verdict(result), result.date_mismatch))
        return result

    @property
    def history(self) -> LinkHistory:
        return summarize(self.recorded)


def test_one_failure_is_dead_awaiting_confirmation() -> None:
    result = Runs().run(day(0), "gone", detail="HTTP 404")
    # The verdict is this run's; the history says how far it is from confirmed.
    assert result.verdict == "dead" and result.confirmed is False
    assert result.confirmation == ("awaiting confirmation: failing 1 of 3 checks needed since 2026-11-20 "
                                   "(dead after 3 checks over 3 days)")
    assert result.detail == "HTTP 404"  # this run's evidence, nothing appended
    assert result.failing_since == T0 and result.consecutive_failures == 1
    assert result.first_seen == T0 and result.last_alive is None and result.revived is False


def test_three_failures_over_two_days_stay_unconfirmed() -> None:
    runs = Runs()
    results = [runs.run(day(n), "gone") for n in (0, 1, 2)]
    assert [r.verdict for r in results] == ["dead"] * 3
    assert [r.confirmed for r in results] == [False] * 3
    assert [r.consecutive_failures for r in results] == [1, 2, 3]
    assert results[1].confirmation == ("awaiting confirmation: failing 2 of 3 checks needed since 2026-11-20 "
                                       "(dead after 3 checks over 3 days)")
    assert results[2].confirmation == ("awaiting confirmation: failing 3 checks since 2026-11-20, over 2 of 3 "
                                       "days needed (dead after 3 checks over 3 days)")
    assert all(r.detail is None for r in results)
    # a minute short of three days is still short
    assert runs.run(day(3) - datetime.timedelta(minutes=1), "gone").confirmed is False


def test_three_failures_over_three_days_are_confirmed_dead() -> None:
    runs = Runs()
    results = [runs.run(day(n), "gone", detail="HTTP 404") for n in (0, 1.5, 3)]
    assert [r.verdict for r in results] == ["dead", "dead", "dead"]
    assert [r.confirmed for r in results] == [False, False, True]
    dead = results[-1]
    assert dead.detail == "HTTP 404"
    assert dead.confirmation == "confirmed: failing 3 checks since 2026-11-20 over 3 days"
    assert dead.failing_since == T0 and dead.consecutive_failures == 3
    # and it stays confirmed
    later = runs.run(day(10.5), "gone")
    assert later.confirmed is True
    assert later.confirmation == "confirmed: failing 4 checks since 2026-11-20 over 10.5 days"


def test_two_checks_over_three_days_are_not_enough() -> None:
    runs = Runs()
    runs.run(day(0), "gone")
    assert runs.run(day(30), "gone").confirmed is False
    assert runs.run(day(31), "gone").confirmed is True


def test_an_alive_result_resets_the_streak() -> None:
    runs = Runs()
    runs.run(day(0), "gone")
    runs.run(day(1), "gone")
    alive = runs.run(day(2), "ok")
    assert alive.verdict == "alive" and alive.failing_since is None and alive.consecutive_failures == 0
    assert alive.last_alive == day(2) and alive.first_seen == T0
    again = runs.run(day(3), "gone")
    assert again.confirmed is False and again.failing_since == day(3) and again.consecutive_failures == 1
    runs.run(day(4), "gone")
    assert runs.run(day(5), "gone").confirmed is False  # 3 checks, but only 2 days since day 3
    assert runs.run(day(6), "gone").confirmed is True


def test_uncertain_failures_count_but_only_a_dead_status_is_confirmed() -> None:
    runs = Runs()
    blocked = [runs.run(day(n), "blocked") for n in range(5)]
    assert all(r.verdict == "uncertain" for r in blocked)
    assert blocked[-1].consecutive_failures == 5 and blocked[-1].failing_since == T0
    assert blocked[-1].detail is None
    # only a dead verdict is confirmed or awaits it
    assert all(r.confirmed is None and r.confirmation is None for r in blocked)
    # the streak that began with blocks confirms a 404 at once
    gone = runs.run(day(5), "gone")
    assert gone.confirmed is True
    assert gone.confirmation == "confirmed: failing 6 checks since 2026-11-20 over 5 days"


def test_revived_after_confirmed_death() -> None:
    runs = Runs()
    for n in (0, 1, 2, 3):
        runs.run(day(n), "gone")
    assert runs.history.last_verdict == "dead"
    back = runs.run(day(4), "redirected")
    assert back.revived is True and back.verdict == "alive" and back.consecutive_failures == 0
    assert runs.run(day(5), "ok").revived is False


def test_not_revived_when_never_confirmed_dead() -> None:
    runs = Runs()
    runs.run(day(0), "gone")
    runs.run(day(1), "gone")
    assert runs.run(day(2), "ok").revived is False


@pytest.mark.parametrize("status", sorted(NOT_COUNTED))
def test_statuses_that_are_no_check(status: str) -> None:
    assert not counts(status) and not is_failure(status, "uncertain")
    runs = Runs()
    runs.run(day(0), "gone")
    runs.run(day(1), "gone")
    between = runs.run(day(2), status, detail="not fetched")
    # neither a failure nor a success: the streak goes on untouched
    assert between.verdict == "uncertain" and between.detail == "not fetched"
    assert between.consecutive_failures == 2 and between.failing_since == T0
    assert between.confirmed is None
    assert runs.run(day(3), "gone").confirmed is True
    assert runs.run(day(3), "gone").consecutive_failures == 4


@pytest.mark.parametrize("status", sorted(NOT_COUNTED))
def test_statuses_that_are_no_check_do_not_revive(status: str) -> None:
    runs = Runs(DeadPolicy(checks=1, days=0))
    assert runs.run(day(0), "gone").confirmed is True
    result = runs.run(day(1), status)
    assert result.revived is False and result.consecutive_failures == 1
    assert runs.history.last_verdict == "dead"  # still the last check's verdict
    assert runs.run(day(2), "ok").revived is True


def test_offline_run_counts_against_nothing() -> None:
    runs = Runs()
    runs.run(day(0), "gone")
    runs.run(day(1), "gone")
    offline = runs.run(day(3), "dns_error", online=False, detail="no network")
    assert offline.verdict == "dead"  # unchanged: the analysis made it uncertain already if it had to
    assert offline.detail == "no network"
    # what the two counted checks say, and that this one is not counted
    assert offline.confirmed is False
    assert offline.confirmation == (
        "awaiting confirmation: failing 2 of 3 checks needed since 2026-11-20 (dead after 3 checks over 3 days); "
        "this run's check is not counted: the network was unreachable")
    assert offline.consecutive_failures == 2 and offline.failing_since == T0 and offline.first_seen == T0
    assert offline.revived is False
    assert len(runs.recorded) == 2
    offline_ok = runs.run(day(3), "ok", online=False)
    assert offline_ok.consecutive_failures == 2 and offline_ok.last_alive is None  # nothing reset
    assert runs.run(day(4), "gone").consecutive_failures == 3


def test_offline_run_on_a_new_link_has_empty_history() -> None:
    result = Runs().run(day(0), "dns_error", online=False)
    assert result.first_seen is None and result.consecutive_failures == 0 and result.last_alive is None
    assert result.confirmed is False
    assert result.confirmation == ("awaiting confirmation: no failed check yet; "
                                   "this run's check is not counted: the network was unreachable")


def test_first_seen_includes_results_that_are_no_check() -> None:
    runs = Runs()
    first = runs.run(day(0), "robots_disallowed")
    assert first.first_seen == T0 and first.consecutive_failures == 0
    assert runs.run(day(1), "gone").first_seen == T0


def test_one_check_zero_days_confirms_at_once() -> None:
    runs = Runs(DeadPolicy(checks=1, days=0))
    result = runs.run(day(0), "gone")
    assert result.verdict == "dead" and result.confirmed is True
    assert result.confirmation == "confirmed: failing 1 check since 2026-11-20 over 0 days"


def test_naive_times_are_utc() -> None:
    result = judge(link("gone"), LinkHistory(), datetime.datetime(2026, 11, 20, 6, 0), DeadPolicy())
    assert result.failing_since == T0 and result.failing_since.tzinfo is not None


def test_newly_dead_and_new_date_mismatch() -> None:
    dead = judge(link("gone"), LinkHistory(), T0, DeadPolicy(checks=1, days=0))
    assert newly_dead(dead, LinkHistory())
    assert not newly_dead(dead, LinkHistory(last_verdict="dead"))
    assert not newly_dead(dead, LinkHistory(), network_reachable=False)
    assert not newly_dead(link("blocked"), LinkHistory())
    late = link("ok", date_mismatch=True)
    assert new_date_mismatch(late, LinkHistory())
    assert new_date_mismatch(late, LinkHistory(last_date_mismatch=False))
    assert not new_date_mismatch(late, LinkHistory(last_date_mismatch=True))
    assert not new_date_mismatch(link("ok"), LinkHistory(last_date_mismatch=False))


def test_summarize_is_order_of_checks() -> None:
    history = summarize([
        Check(day(0), "ok", "alive"),
        Check(day(1), "gone", "uncertain", date_mismatch=True),
        Check(day(2), "not_checked", "uncertain"),
        Check(day(3), "timeout", "uncertain"),
    ])
    assert history == LinkHistory(first_seen=T0, last_alive=T0, failing_since=day(1), failures=2,
                                  last_verdict="uncertain", last_date_mismatch=False)


def test_policy_from_settings() -> None:
    assert DeadPolicy.from_settings({}) == DeadPolicy(3, 3)
    assert DeadPolicy.from_settings({"ARCHIVER_DEAD_AFTER_CHECKS": "5", "ARCHIVER_DEAD_AFTER_DAYS": " 7 "}) \
        == DeadPolicy(checks=5, days=7)
    assert DeadPolicy.from_settings({"ARCHIVER_DEAD_AFTER_CHECKS": ""}) == DeadPolicy()
    with pytest.raises(ValueError, match="ARCHIVER_DEAD_AFTER_CHECKS must be 1 or more"):
        DeadPolicy.from_settings({"ARCHIVER_DEAD_AFTER_CHECKS": "0"})
    with pytest.raises(ValueError, match="ARCHIVER_DEAD_AFTER_DAYS must be a whole number"):
        DeadPolicy.from_settings({"ARCHIVER_DEAD_AFTER_DAYS": "three"})
    with pytest.raises(ValueError, match="ARCHIVER_DEAD_AFTER_DAYS must be 0 or more"):
        DeadPolicy(days=-1)


def test_the_history_records_dead_only_when_confirmed() -> None:
    policy = DeadPolicy(checks=2, days=0)
    first = judge(link("gone"), LinkHistory(), T0, policy)
    assert (first.verdict, recorded_verdict(first)) == ("dead", "uncertain")
    second = judge(link("gone"), summarize([Check(T0, "gone", "uncertain")]), day(1), policy)
    assert (second.verdict, recorded_verdict(second)) == ("dead", "dead")
    for status in ("ok", "blocked", "unsupported"):
        judged = judge(link(status), LinkHistory(), T0, policy)
        assert recorded_verdict(judged) == VERDICT[status] and judged.confirmed is None
    # newly dead is newly confirmed: not at the first failure, at the second
    assert not newly_dead(first, LinkHistory())
    assert newly_dead(second, LinkHistory(last_verdict="uncertain"))


def article(url: str | None, *seeds: str) -> ArticleReport:
    return ArticleReport(url=url, seeds=seeds, title=None, published=None, published_source=None, original=None,
                         text_similarity=None, text_verdict=None)


def test_the_seed_set_of_a_report() -> None:
    one = SeedSet.of([article("https://a.example/1", "b.md", "a.md"), article("https://a.example/2", "c.md")])
    # the same seeds in another order, giving other articles, are the same set
    again = SeedSet.of([article("https://a.example/9", "c.md"), article(None, "a.md", "b.md", "a.md")])
    assert one == again and one.described == "the same 3 seeds" and len(one.key) == 64
    assert SeedSet.of([article("https://a.example/1", "a.md")]).key != one.key
    assert SeedSet.of([article("https://a.example/1", "a.md")]).described == "the same 1 seed"
    # no seeds: the article URLs name the set, and never meet seed names
    urls = SeedSet.of([article("https://a.example/2"), article("https://a.example/1"), article(None)])
    assert urls.described == "the same 2 articles (no seeds)"
    assert urls == SeedSet.of([article("https://a.example/1"), article("https://a.example/2")])
    assert SeedSet.of([article("x")]).key != SeedSet.of([article(None, "x")]).key
    # a name holding a newline is not two names
    assert SeedSet.of([article(None, "a\nb")]).key != SeedSet.of([article(None, "a", "b")]).key
