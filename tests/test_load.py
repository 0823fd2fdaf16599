"""`cnocc load` into a real Oxigraph server over the Graph Store Protocol, and its failures."""

from __future__ import annotations

import subprocess
import threading
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cnocc.model import vocab as V
from benchmarks.serving import OXIGRAPH, start_oxigraph
from conftest import free_port, run_cli
from store_counts import counts, expected_counts

@pytest.fixture
def oxigraph(tmp_path):
    if not Path(OXIGRAPH).exists():
        pytest.skip("the oxigraph server is not installed")
    proc, url = start_oxigraph(tmp_path / "store")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def test_load_twice_leaves_the_void_counts(built, oxigraph):
    expected = expected_counts(built)
    for endpoint in ("/store", "/store?no_transaction"):  # the second keeps the endpoint's own option
        proc = run_cli("load", oxigraph + endpoint, "--dist", str(built[1]))
        assert proc.returncode == 0, proc.stderr
        assert f"loaded {len(expected)} graphs" in proc.stdout
        assert counts(oxigraph) == expected
    assert "PUT https://w3id.org/cnocc/graph/edition-2022" in proc.stderr  # progress on the terminal


def test_refused_connection_says_nothing_loaded(built):
    proc = run_cli("load", f"http://127.0.0.1:{free_port()}/store", "--dist", str(built[1]))
    assert proc.returncode == 1
    assert "cannot reach" in proc.stderr and "graphs loaded before the failure: none" in proc.stderr


def test_a_store_that_refuses_writes(built, tmp_path):
    if not Path(OXIGRAPH).exists():
        pytest.skip("the oxigraph server is not installed")
    subprocess.run([OXIGRAPH, "load", "--location", str(tmp_path / "ro"), "--file", str(built[1] / "void.ttl")],
                   check=True, capture_output=True)
    proc_srv, url = start_oxigraph(tmp_path / "ro", read_only=True)
    try:
        proc = run_cli("load", url + "/store", "--dist", str(built[1]))
    finally:
        proc_srv.terminate()
        proc_srv.wait(timeout=20)
    assert proc.returncode == 1
    assert "refused https://w3id.org/cnocc/graph/" in proc.stderr and "HTTP 4" in proc.stderr


class _FailsOnInferred(BaseHTTPRequestHandler):
    """A store that takes every graph but the inferred one: partial failure, reproducibly."""

    def do_PUT(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        graph = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)["graph"][0]
        self.send_response(507 if graph.endswith("/inferred") else 204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_partial_failure_names_the_graphs_that_loaded(built):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _FailsOnInferred)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        proc = run_cli("load", f"http://127.0.0.1:{srv.server_address[1]}/store", "--dist", str(built[1]))
    finally:
        srv.shutdown()
    assert proc.returncode == 1
    assert "refused https://w3id.org/cnocc/graph/inferred: HTTP 507" in proc.stderr
    before = sorted(str(g) for n, g in V.GRAPHS.items() if str(g) < str(V.GRAPHS["inferred"]))
    assert f"graphs loaded before the failure: {', '.join(before)}" in proc.stderr
