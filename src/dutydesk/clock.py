"""The clock seam: the only module that reads the wall clock.

Services take a `Clock`; tests pass a `SimulatedClock`, training runs a `TrainingClock`.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Protocol

UTC = dt.timezone.utc


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC)


class SimulatedClock:
    """A clock that only moves when told to (tests, seeding, training replays)."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("SimulatedClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def set(self, moment: dt.datetime) -> None:
        with self._lock:
            self._now = moment.astimezone(UTC)

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        with self._lock:
            self._now += delta
            return self._now


class TrainingClock:
    """A training run's clock: simulated time that runs `speed` times faster than real time
    from `start`, and can be paused, sped up or moved on to a later moment (the next event)."""

    def __init__(self, start: dt.datetime, speed: int,
                 real: Callable[[], float] = time.monotonic) -> None:
        if start.tzinfo is None:
            raise ValueError("TrainingClock needs a timezone-aware start")
        self._real = real
        self._lock = threading.Lock()
        self._base = start.astimezone(UTC)  # simulated time at the last change …
        self._since = real()  # … and the real moment of it
        self._speed = speed
        self._paused = False

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now()

    def _now(self) -> dt.datetime:
        if self._paused:
            return self._base
        return self._base + dt.timedelta(seconds=(self._real() - self._since) * self._speed)

    def _rebase(self) -> None:
        self._base, self._since = self._now(), self._real()

    @property
    def speed(self) -> int:
        return self._speed

    @property
    def paused(self) -> bool:
        return self._paused

    def set_speed(self, speed: int) -> None:
        with self._lock:
            self._rebase()
            self._speed = speed

    def set_paused(self, paused: bool) -> None:
        with self._lock:
            self._rebase()
            self._paused = paused

    def skip_to(self, moment: dt.datetime) -> None:
        """On to a later moment at once (never back: what happened stays in the past)."""
        with self._lock:
            self._rebase()
            self._base = max(self._base, moment.astimezone(UTC))
