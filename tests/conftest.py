"""Shared fixtures: one real build of the real data per test session."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from cnocc import paths

# the synthetic catalogues of the scale tests live with the benchmarks (benchmarks/synthetic/)
if str(paths.PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(paths.PROJECT_ROOT))
from cnocc.pipeline.build import BuildResult, build, Project


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> tuple[BuildResult, Path]:
    out = tmp_path_factory.mktemp("build") / "dist"
    return build(Project(), out), out


@pytest.fixture(scope="session")
def dist(built) -> Path:
    return built[1]


@pytest.fixture(scope="session")
def graph(dist):
    """The build as `cnocc query` reads it: every graph, queried as one union."""
    from cnocc.store.queries import load_build

    return load_build(dist)


@pytest.fixture(scope="session")
def asserted_only(dist):
    """The build without its inferred graph, to show a query needs no reasoning."""
    from rdflib import URIRef

    from cnocc.model import vocab as V
    from cnocc.store.queries import load_build

    g = load_build(dist)
    inferred = g.graph(URIRef(V.BASE + "graph/inferred"))
    assert len(inferred) > 0
    g.remove_graph(inferred)
    return g


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the installed command as a user would, from a neutral working directory."""
    return subprocess.run([sys.executable, "-m", "cnocc.cli", *args], capture_output=True, text=True,
                          cwd=paths.PROJECT_ROOT.parent, env={**os.environ, **(env or {})}, timeout=600)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A real `cnocc serve` on a free loopback port, as a user starts it."""

    def __init__(self, dist: Path, *args: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "cnocc.cli", "serve", str(dist), "--port", str(self.port),
                                      *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(self.url + "/.well-known/void", timeout=5):
                    return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    out, err = self.proc.communicate(timeout=10) if self.proc.poll() is not None else ("", "")
                    self.stop()
                    raise RuntimeError(f"cnocc serve did not start: {err}")
                time.sleep(0.3)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(2)  # SIGINT, as Ctrl-C
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@pytest.fixture(scope="session")
def server(built):
    """One server over the session's real build, for every HTTP test."""
    srv = Server(built[1])
    yield srv
    srv.stop()
