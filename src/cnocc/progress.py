"""Timing, peak memory and a progress line for each stage of a long build.

A maintainer rebuilding a million-triple catalogue wants to see which stage is running and for
how long; CI logs and pipes want silence. One sampling thread serves both: it records the
resident memory of the process (the peak per stage, which `ru_maxrss` cannot give) and, only when
stderr is a terminal, redraws one status line. The same figures feed `cnocc build --profile`
and the benchmarks.
"""

from __future__ import annotations

import os
import resource
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TextIO

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * PAGE / 2**20
    except OSError:  # not Linux: the peak so far is the best there is
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Stage:
    name: str
    seconds: float = 0.0
    peak_mb: float = 0.0
    items: str = ""


@dataclass
class Progress:
    """`level`: 0 quiet, 1 normal (a live line on a terminal only), 2 verbose (a line per stage)."""

    level: int = 1
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    interval: float = 0.05
    stages: list[Stage] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.live = self.level >= 1 and hasattr(self.stream, "isatty") and self.stream.isatty()
        self._current: Stage | None = None
        self._start = 0.0
        self._lock = threading.Lock()

    @contextmanager
    def stage(self, name: str):
        st = Stage(name, peak_mb=rss_mb())
        self._current, self._start = st, time.perf_counter()
        stop = threading.Event()
        sampler = threading.Thread(target=self._sample, args=(st, stop), daemon=True)
        sampler.start()
        try:
            yield st
        finally:
            stop.set()
            sampler.join()
            st.seconds = time.perf_counter() - self._start
            st.peak_mb = max(st.peak_mb, rss_mb())
            self.stages.append(st)
            self._current = None
            if self.live:
                self._write("\r\033[K")
            if self.level >= 2 or self.live:
                items = f", {st.items}" if st.items else ""
                self._write(f"{name}: {st.seconds:.2f} s, {st.peak_mb:.0f} MB{items}\n")

    def note(self, text: str) -> None:
        """A detail inside the running stage (a reasoning round, a shape): shown live, or in verbose mode."""
        if self._current is not None:
            self._current.items = text
        if self.level >= 2 and not self.live:
            self._write(f"  {text}\n")

    def _sample(self, st: Stage, stop: threading.Event) -> None:
        last_draw = 0.0
        while not stop.wait(self.interval):
            st.peak_mb = max(st.peak_mb, rss_mb())
            now = time.perf_counter()
            if self.live and now - last_draw >= 0.2:
                last_draw = now
                items = f"  {st.items}" if st.items else ""
                self._write(f"\r\033[K{st.name} … {now - self._start:.1f} s, {st.peak_mb:.0f} MB{items}")

    def _write(self, text: str) -> None:
        with self._lock:
            self.stream.write(text)
            self.stream.flush()

    def timings(self) -> dict[str, float]:
        return {s.name: s.seconds for s in self.stages}

    def profile(self) -> dict:
        return {
            "stages": {s.name: {"s": round(s.seconds, 4), "peak_mb": round(s.peak_mb, 1)} for s in self.stages},
            "peak_mb": round(max([s.peak_mb for s in self.stages] +
                                 [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024]), 1),
        }
