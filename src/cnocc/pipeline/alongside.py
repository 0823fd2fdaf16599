"""Build stages in a forked process, beside the rest of the build, on the second core.

Validation reads only the asserted graphs, so it need not wait for reasoning; half the exports
need not wait for the other half. But all of them are mostly Python, and Python runs one thread
at a time: in a thread, validation only slowed reasoning down. A forked child sees the parent's
graphs as they were at the fork, without copying or pickling them, and sends back only its
result and its stages' times. Where fork is not available (Windows; macOS, where it is unsafe)
the work runs in place, in sequence.

The price is memory: pages the child writes to (Python's reference counts write to every object
it reads) are copied. `Progress` counts both processes' shares of memory while a child runs.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from cnocc.pipeline.progress import Progress, rss_mb

# What the work returns: its value, and its stages as (name, seconds, details).
Work = Callable[[], tuple[Any, list[tuple[str, float, str]]]]


def timed(name: str, work: Callable[[], Any], items: str = "") -> tuple[Any, list[tuple[str, float, str]]]:
    """`work` as `Alongside` wants it: its value, and its time as one stage."""
    start = time.perf_counter()
    value = work()
    return value, [(name, time.perf_counter() - start, items)]


def can_fork() -> bool:
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


class Alongside:
    """`work` running in a child from now on; `result()` waits for it and raises what it raised."""

    def __init__(self, name: str, work: Work, progress: Progress) -> None:
        self.name, self.progress = name, progress
        self._proc = None
        if not can_fork():
            self._answer = _call(work)
            progress.record(self._answer[2], rss_mb())
            return
        ctx = multiprocessing.get_context("fork")
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_child, args=(work, send), name=f"cnocc {name}", daemon=True)
        self._proc.start()
        send.close()
        progress.start_alongside(self._proc.pid)

    def done(self) -> bool:
        """Has the answer arrived (so `result()` will not wait)?"""
        return self._proc is None or self._recv.poll()

    def result(self) -> Any:
        if self._proc is not None:
            try:
                self._answer = self._recv.recv()
            except EOFError:
                self._answer = (False, RuntimeError(f"the {self.name} process ended without an answer"), [])
            self._proc.join()
            self.progress.end_alongside(self._proc.pid, self._answer[2])
            self._proc = None
        ok, value, _ = self._answer
        if not ok:
            raise value
        return value

    def stop(self) -> None:
        """Give up on the work: end the child, if there is one, and wait until it has."""
        if self._proc is not None:
            self._proc.terminate()
            self._proc.join()
            self.progress.end_alongside(self._proc.pid, [])
            self._proc = None


def _call(work: Work) -> tuple[bool, Any, list]:
    try:
        value, stages = work()
        return True, value, stages
    except Exception as exc:
        return False, exc, []


def _child(work: Work, send) -> None:
    answer = _call(work)
    try:
        send.send(answer)
    except Exception:  # an exception or value that does not pickle: its text, then
        text = "".join(traceback.format_exception(answer[1])) if not answer[0] else "the result could not be sent back"
        send.send((False, RuntimeError(text), answer[2]))
    send.close()
