"""One polling loop for everything the lab waits on in a workspace (cluster, run, endpoint).

The SDK's waiters sleep on the wall clock, return a FAILED run as if it were fine and call
an endpoint done while it is still NOT_READY. This loop checks the real end state, shows
progress when the state changes, and on timeout names the resource and its last state.
The clock is injectable (databricks-sdk's ``Clock``), so tests do not sleep.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from databricks.sdk.clock import Clock, RealClock

from grader.exceptions import WorkspaceStateError

T = TypeVar("T")


def _say(message: str) -> None:
    print(message, flush=True)


def wait_for(
    resource: str,
    poll: Callable[[], T],
    *,
    state: Callable[[T], str],
    done: Callable[[T], bool],
    failure: Callable[[T], str | None],
    timeout: timedelta,
    clock: Clock | None = None,
    interval: float = 10.0,
    progress: Callable[[str], None] = _say,
) -> T:
    """Poll until ``done``; raise WorkspaceStateError on ``failure`` (its text says why) or
    when ``timeout`` passes. ``resource`` names the thing ("cluster 'Jane's cluster' (id)").
    Polls 1 s apart at first, then backs off by a second each time up to ``interval``
    (the SDK's own rhythm), so quick changes are seen quickly and slow ones cost few calls."""
    clock = clock or RealClock()
    deadline = clock.time() + timeout.total_seconds()
    started = clock.time()
    last = None
    attempt = 0
    while True:
        attempt += 1
        current = poll()
        now_state = state(current)
        if now_state != last:
            progress(f"{resource}: {now_state} ({clock.time() - started:.0f} s)")
            last = now_state
        if done(current):
            return current
        why = failure(current)
        if why:
            raise WorkspaceStateError(f"{resource} is {now_state}: {why}")
        if clock.time() >= deadline:
            raise WorkspaceStateError(
                f"{resource} is still {now_state} after {timeout.total_seconds():.0f} s; "
                "gave up waiting. Look at it in the workspace, or run 07_cleanup to remove it."
            )
        clock.sleep(min(float(attempt), interval))
