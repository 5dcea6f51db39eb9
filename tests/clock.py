"""A clock for waits under test (the SDK's ``Clock``): time passes only when a waiter sleeps,
so a timeout test takes no time."""

from __future__ import annotations

from databricks.sdk.clock import Clock


class FakeClock(Clock):
    def __init__(self) -> None:
        self.now = 0.0

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
