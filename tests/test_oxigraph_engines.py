"""The bundled queries on Oxigraph, in process (pyoxigraph) and as a server, against rdflib's rows.

Both read the build's N-Quads dump and query the union of its named graphs as the default graph,
as rdflib does (tests/engines.py); answers are compared as SPARQL CSV rows.
"""

from __future__ import annotations

import os
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from cnocc.store.queries import bundled
from cnocc.store.embedded import DUMP
from engines import difference, reference, rows_from_csv
from benchmarks.serving import OXIGRAPH, start_oxigraph
from store_counts import counts, expected_counts

NAMES = sorted(bundled())


@pytest.fixture(scope="module")
def store(built) -> ox.Store:
    s = ox.Store()  # in memory
    s.bulk_load(path=str(built[1] / DUMP), format=ox.RdfFormat.N_QUADS)
    return s


@pytest.fixture(scope="module")
def oxigraph_server(built, tmp_path_factory):
    """`oxigraph load` into a fresh folder, then `oxigraph serve-read-only --union-default-graph`."""
    if not Path(OXIGRAPH).exists():
        msg = "the oxigraph server (PyPI package oxigraph) is not installed"
        if os.environ.get("CNOCC_REQUIRE_STORES") == "1":
            pytest.fail(msg + " and CNOCC_REQUIRE_STORES=1")
        pytest.skip(msg)
    location = tmp_path_factory.mktemp("oxigraph") / "store"
    subprocess.run([OXIGRAPH, "load", "--location", str(location), "--file", str(built[1] / DUMP)],
                   check=True, capture_output=True, timeout=300)
    proc, url = start_oxigraph(location, read_only=True, union=True)
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def _server_csv(url: str, text: str) -> str:
    req = urllib.request.Request(url + "/query", data=urllib.parse.urlencode({"query": text}).encode(),
                                 headers={"Accept": "text/csv", "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=300) as r:
        return r.read().decode("utf-8")


def test_server_holds_the_void_counts(built, oxigraph_server):
    assert counts(oxigraph_server) == expected_counts(built)


def test_store_holds_the_void_counts(built, store):
    found = {str(g.value): sum(1 for _ in store.quads_for_pattern(None, None, None, g)) for g in store.named_graphs()}
    assert found == expected_counts(built)


@pytest.mark.parametrize("name", NAMES)
def test_pyoxigraph_gives_rdflibs_rows(built, store, name):
    columns, expected = reference(str(built[1]), name)
    result = store.query(bundled()[name].text, use_default_graph_as_union=True)
    header, found = rows_from_csv(result.serialize(format=ox.QueryResultsFormat.CSV).decode("utf-8"))
    assert header == columns
    assert found == expected, difference(expected, found)


@pytest.mark.parametrize("name", NAMES)
def test_oxigraph_server_gives_rdflibs_rows(built, oxigraph_server, name):
    columns, expected = reference(str(built[1]), name)
    header, found = rows_from_csv(_server_csv(oxigraph_server, bundled()[name].text))
    assert header == columns
    assert found == expected, difference(expected, found)
