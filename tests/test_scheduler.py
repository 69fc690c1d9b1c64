"""The check scheduler: debounced checks, and superseded checks cancelled (their thread
stops at its next stage) without ever publishing."""

from __future__ import annotations

import asyncio
import threading

from numpyro_lsp.features.cancellation import Cancelled, CancelToken
from numpyro_lsp.features.scheduler import CheckScheduler


def never_checks(snapshot, token):
    raise AssertionError("no check was started")


async def test_debounce_runs_only_the_last_callback():
    scheduler = CheckScheduler(never_checks, print)
    calls = []
    for i in range(3):
        scheduler.later("doc", 0.05, lambda i=i: calls.append(i))
    scheduler.later("other", 0.05, lambda: calls.append("other"))
    scheduler.later("gone", 0.05, lambda: calls.append("gone"))
    scheduler.cancel("gone")
    await asyncio.sleep(0.2)
    assert sorted(map(str, calls)) == ["2", "other"]


async def test_a_superseded_check_stops_at_its_next_stage_and_never_publishes():
    first_started, release_first = threading.Event(), threading.Event()
    stages: list[str] = []
    published: list[tuple[int, str]] = []

    def check(version: int, token: CancelToken) -> str:
        if version == 1:
            first_started.set()
            release_first.wait(5)  # a long first stage (the analysis of a large file)
            stages.append("first stage done")
            token.check()
            stages.append("second stage of version 1")  # never reached: superseded
        return f"findings of {version}"

    scheduler = CheckScheduler(check, lambda version, found: published.append((version, found)))
    first = scheduler.start("doc", 1)
    await asyncio.to_thread(first_started.wait, 5)
    second = scheduler.start("doc", 2)  # an edit arrived: version 1 is superseded
    await second
    release_first.set()
    for _ in range(100):  # the first thread ends on its own
        if stages:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    assert first.cancelled()
    assert stages == ["first stage done"]
    assert published == [(2, "findings of 2")]
    assert not scheduler.running("doc")


async def test_a_cancelled_check_of_a_closed_document_never_publishes():
    started = threading.Event()
    release = threading.Event()

    def check(snapshot, token: CancelToken):
        started.set()
        release.wait(5)
        token.check()
        return "late"

    published = []
    scheduler = CheckScheduler(check, lambda snapshot, found: published.append(found))
    task = scheduler.start("doc", 1)
    await asyncio.to_thread(started.wait, 5)
    scheduler.cancel("doc")
    release.set()
    await asyncio.sleep(0.1)
    assert task.cancelled() and published == []


def test_a_token_walks_until_cancelled():
    token = CancelToken()
    seen = []
    try:
        for item in token.each(range(10)):
            seen.append(item)
            if item == 3:
                token.cancel()
    except Cancelled:
        pass
    assert seen == [0, 1, 2, 3]


async def test_the_collector_waits_while_checks_run_and_resumes_after_the_last_publishes():
    import gc

    assert gc.isenabled()
    release = {key: threading.Event() for key in ("a", "b")}
    seen: list[tuple[str, bool]] = []

    def check(key: str, token: CancelToken) -> str:
        seen.append((f"check {key}", gc.isenabled()))
        release[key].wait(5)
        return key

    def publish(key: str, found: str) -> None:
        seen.append((f"publish {key}", gc.isenabled()))

    scheduler = CheckScheduler(check, publish)
    first, second = scheduler.start("a", "a"), scheduler.start("b", "b")
    await asyncio.sleep(0.05)
    release["a"].set()
    await first
    assert not gc.isenabled()  # b is still being checked
    release["b"].set()
    await second
    assert gc.isenabled()
    assert sorted(seen) == [
        ("check a", False),
        ("check b", False),
        ("publish a", False),
        ("publish b", False),
    ]
    # A cancelled check gives the collector back too.
    started = threading.Event()

    def slow(key: str, token: CancelToken) -> str:
        started.set()
        release["a"].wait(5)
        return key

    release["a"].clear()
    scheduler = CheckScheduler(slow, publish)
    task = scheduler.start("c", "c")
    await asyncio.to_thread(started.wait, 5)
    assert not gc.isenabled()
    scheduler.cancel("c")
    await asyncio.sleep(0.05)
    release["a"].set()
    assert task.cancelled() and gc.isenabled()


async def test_one_full_collection_once_no_check_has_run_for_a_while():
    import gc

    full: list[int] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2:
            full.append(1)

    scheduler = CheckScheduler(lambda snapshot, token: snapshot, lambda snapshot, found: None)
    scheduler.at_rest.seconds = 0.2
    gc.callbacks.append(seen)
    try:
        for version in range(3):  # typing: each check puts the collection off
            await scheduler.start("doc", version)
            await asyncio.sleep(0.05)
        before = len(full)
        await asyncio.sleep(0.4)
        assert len(full) > before
    finally:
        gc.callbacks.remove(seen)


async def test_a_check_that_made_a_whole_tree_is_collected_into_the_old_generation_at_once():
    """Opening a large file makes hundreds of thousands of objects while the collector is
    paused. Its pass over them, once the findings are out, is a young collection of the
    first two generations, so that they reach the oldest at once: otherwise a second pass
    over all of them came ten collections later, in the middle of typing (80 ms on a
    10,000-line file). A check that made few objects is left to the collector's own pace."""
    import gc

    from numpyro_lsp.features.collector import CATCH_UP_DELAY, LARGE_YOUNG

    assert gc.isenabled()
    generations: list[int] = []

    def note(phase: str, info: dict) -> None:
        # The full collections of earlier tests' schedulers at rest (one loop per module)
        # are not this test's.
        if phase == "start" and info["generation"] < 2:
            generations.append(info["generation"])

    made: list[list] = []

    def check(size: int, token: CancelToken) -> int:
        made[:] = [[] for _ in range(size)]  # lists: objects the collector tracks
        return size

    def publish(size: int, found: int) -> None:
        generations.clear()  # only what the pause's end collects

    scheduler = CheckScheduler(check, publish)
    gc.callbacks.append(note)
    try:
        await scheduler.start("large", LARGE_YOUNG + 50_000)
        await asyncio.sleep(CATCH_UP_DELAY * 4)
        after_large = list(generations)
        await scheduler.start("small", 100)
        after_small = list(generations)
    finally:
        gc.callbacks.remove(note)
    assert after_large == [1]
    assert after_small == []
    assert gc.isenabled()


async def test_documents_opened_together_are_each_checked_before_the_pass_over_what_they_left():
    """An editor restoring its tabs opens several files at once. The pass over what the
    first check left waits for the next message, so the second file's check does not wait
    for it: one pass after both covers what both left."""
    import gc

    from numpyro_lsp.features.collector import CATCH_UP_DELAY, LARGE_YOUNG

    events: list[str] = []

    def note(phase: str, info: dict) -> None:
        # The full collections of earlier tests' schedulers at rest (one loop per module)
        # are not this test's.
        if phase == "start" and info["generation"] == 1:
            events.append(f"collect {info['generation']}")

    made: list[list] = []

    def check(size: int, token: CancelToken) -> int:
        made.append([[] for _ in range(size)])  # kept: what an open document's analysis is
        return size

    scheduler = CheckScheduler(check, lambda size, found: events.append("published"))
    gc.callbacks.append(note)
    try:
        await scheduler.start("first.py", LARGE_YOUNG + 30_000)
        await asyncio.sleep(0)  # a didOpen read right after the findings went out
        await scheduler.start("second.py", LARGE_YOUNG + 30_000)
        assert not gc.isenabled()
        await asyncio.sleep(CATCH_UP_DELAY * 4)
    finally:
        gc.callbacks.remove(note)
    assert events == ["published", "published", "collect 1"]
    assert gc.isenabled()


async def test_checks_that_follow_each_other_put_the_pass_off_for_a_limited_time(monkeypatch):
    """Checks that keep starting within the wait (no debounce, fast typing after a large
    file was opened) would keep the collector off: past ``CATCH_UP_LIMIT`` since the pass
    was first put off, the next check's end makes it at once."""
    import gc

    from numpyro_lsp.features import collector

    monkeypatch.setattr(collector, "CATCH_UP_DELAY", 0.5)
    monkeypatch.setattr(collector, "CATCH_UP_LIMIT", 0.05)
    events: list[str] = []

    def note(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 1:
            events.append("collect 1")

    made: list[list] = []

    def check(size: int, token: CancelToken) -> int:
        made.append([[] for _ in range(size)])
        return size

    scheduler = CheckScheduler(check, lambda size, found: events.append("published"))
    gc.callbacks.append(note)
    try:
        await scheduler.start("large.py", collector.LARGE_YOUNG + 30_000)
        await asyncio.sleep(0.1)  # past the limit, within the wait
        await scheduler.start("large.py", 100)
        collected_at_once = list(events)
        enabled = gc.isenabled()
    finally:
        gc.callbacks.remove(note)
    assert collected_at_once == ["published", "published", "collect 1"]
    assert enabled
