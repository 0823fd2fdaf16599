"""Starting a server on a free loopback port and waiting until it answers: the one copy that the
tests and the benchmarks share (`cnocc serve`, Oxigraph's server, Virtuoso's HTTP listener).

A server that exits before it answers, or does not answer in time, raises `RuntimeError` with what
it wrote to stderr, so a failing start says why.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen | None = None, seconds: float = 120, interval: float = 0.3,
               on_fail: Callable[[], None] | None = None) -> None:
    """Return once `url` answers with a success; raise if `proc` exits first or time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except OSError:
            died = proc is not None and proc.poll() is not None
            if died or time.monotonic() > deadline:
                err = proc.stderr.read() if died and proc.stderr else ""
                if on_fail is not None:
                    on_fail()
                elif proc is not None and proc.poll() is None:
                    proc.kill()
                    proc.wait()
                raise RuntimeError(f"{url} did not answer: {'the server exited' if died else f'{seconds} s passed'}"
                                   f"{': ' + err if err else ''}")
            time.sleep(interval)


def start_oxigraph(location: Path, read_only: bool = False, union: bool = False) -> tuple[subprocess.Popen, str]:
    """Oxigraph's own server over the store at `location`; (process, base URL)."""
    port = free_port()
    cmd = [OXIGRAPH, "serve-read-only" if read_only else "serve", "--location", str(location),
           "--bind", f"127.0.0.1:{port}", *(["--union-default-graph"] if union else [])]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    wait_ready(url + "/", proc, seconds=60, interval=0.2)
    return proc, url


class CnoccServer:
    """A real `cnocc serve` on a free loopback port, as a user starts it."""

    def __init__(self, dist: Path, *args: str, python: str = sys.executable):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([python, "-m", "cnocc.cli", "serve", str(dist), "--port", str(self.port), *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_ready(self.url + "/.well-known/void", self.proc, on_fail=self.stop)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(2)  # SIGINT, as Ctrl-C
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode
