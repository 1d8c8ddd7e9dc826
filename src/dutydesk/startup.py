"""A session's start without the cyclic garbage collector.

Starting the desk makes some 600,000 objects that live as long as the session (modules,
classes, the tables, the screen), and almost no garbage. The collector, left on, walks them
again and again while they are made: ~50 ms of a 0.6 s start. It is held off from the command
line's first step until the first board is whole, then the objects made so far are frozen
(never walked again: later collections stay short, a cursor key never waits for one) and it
runs as usual. Only a session started from the command line holds it (`hold`); `release` is a
no-op anywhere else (a test's app)."""

from __future__ import annotations

import gc

_held = False


def hold() -> None:
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def release() -> None:
    global _held
    if _held:
        _held = False
        gc.freeze()
        gc.enable()
