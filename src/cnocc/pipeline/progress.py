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


def pss_mb(pid: int | str = "self") -> float:
    """A process's share of physical memory: a forked child shares the parent's pages until it
    writes to them, so adding two RSS figures would count those pages twice."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:  # gone, or not Linux
        pass
    return 0.0


@dataclass
class Stage:
    name: str
    seconds: float = 0.0
    peak_mb: float = 0.0
    items: str = ""
    alongside: bool = False  # ran in a child process, at the same time as other stages


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
        self._alongside: dict[int, Stage] = {}  # pid -> a stage running in a forked child
        self._shares, self._shares_at = 0.0, float("-inf")  # the last reading of the shares, and when

    def memory_mb(self) -> float:
        """This process's resident memory, or, while a child works alongside, every share.

        A share (PSS) costs ~25 ms to read per process at 1.5 GB, in the kernel, on the cores the
        build needs: while children run it is read every two seconds at most, here as in the
        sampler (once a second cost about a second of CPU in a million-triple build, with three
        processes to read)."""
        if not self._alongside:
            return rss_mb()
        now = time.perf_counter()
        if now - self._shares_at >= 2.0:
            self._shares = (pss_mb() or rss_mb()) + sum(pss_mb(pid) for pid in list(self._alongside))
            self._shares_at = now
        return self._shares

    def start_alongside(self, pid: int) -> None:
        """Child `pid` now runs stages of its own; its memory counts in every stage until it ends."""
        self._shares_at = float("-inf")  # one more process to count: read the shares afresh
        self._alongside[pid] = Stage("", peak_mb=self.memory_mb())

    def end_alongside(self, pid: int, stages: list[tuple[str, float, str]]) -> None:
        """The child is done: record its stages, with the peak seen while it ran."""
        peak = self._alongside.pop(pid).peak_mb
        self._shares_at = float("-inf")  # one process fewer to count
        self.record(stages, max(peak, self.memory_mb()), alongside=True)

    def record(self, stages: list[tuple[str, float, str]], peak_mb: float, alongside: bool = False) -> None:
        """Stages timed elsewhere, as (name, seconds, details)."""
        for name, seconds, items in stages:
            self.stages.append(Stage(name, seconds, peak_mb, items, alongside=alongside))
            if self.level >= 2 or self.live:
                tail = f", {items}" if items else ""
                self._write(f"{name}: {seconds:.2f} s, {peak_mb:.0f} MB{tail}{' (alongside)' if alongside else ''}\n")

    @contextmanager
    def stage(self, name: str):
        st = Stage(name, peak_mb=self.memory_mb())
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
            st.peak_mb = max(st.peak_mb, self.memory_mb())
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
            mem = self.memory_mb()  # while children run, a reading at most a second old (see there)
            st.peak_mb = max(st.peak_mb, mem)
            for other in list(self._alongside.values()):
                other.peak_mb = max(other.peak_mb, mem)
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
            "stages": {s.name: {"s": round(s.seconds, 4), "peak_mb": round(s.peak_mb, 1)} | ({"alongside": True} if s.alongside else {})
                       for s in self.stages},
            "peak_mb": round(max([s.peak_mb for s in self.stages] +
                                 [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024]), 1),
        }
