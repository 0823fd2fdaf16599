"""Shared fixtures: one real build of the real data per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cnocc import paths

# shared with the benchmarks: the synthetic catalogues (benchmarks/synthetic/) and starting servers (benchmarks/serving.py)
if str(paths.PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(paths.PROJECT_ROOT))
from benchmarks.serving import CnoccServer, free_port  # noqa: E402,F401  (the tests take free_port from here)
from cnocc.pipeline.build import BuildResult, Project, build  # noqa: E402


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


Server = CnoccServer


@pytest.fixture(scope="session")
def server(built):
    """One server over the session's real build, for every HTTP test."""
    srv = Server(built[1])
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def real(built):
    """The real build's asserted graphs as one rdflib graph, and the shapes (the shape tests' start)."""
    from cnocc.pipeline.build import asserted_union
    from cnocc.validate import load_shapes

    result, _ = built
    return asserted_union(result.bundle.graphs), load_shapes(paths.SHAPES_DIR)
