"""The SPARQL endpoint over real HTTP, on a real `cnocc serve` of the real build.

The bundled queries must answer as `cnocc query` does (the endpoint and the command line are two
doors to one graph); refusals must come before anything runs (no update, no outbound request);
limits must hold without taking the server down.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph

from cnocc.store.queries import bundled
from conftest import Server, run_cli

QUERIES = bundled()
SRX = "{http://www.w3.org/2005/sparql-results#}"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # a cross product that never ends
SIMPLE = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT (COUNT(*) AS ?n) WHERE { ?s skos:notation "2-02-38-08" }"""
CONSTRUCT = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
CONSTRUCT { ?s skos:prefLabel ?l } WHERE { ?s skos:prefLabel ?l } ORDER BY ?s ?l LIMIT 40"""


def ask(url: str, query: str, how: str = "get", accept: str | None = None, timeout: float = 60) -> httpx.Response:
    """One protocol request in one of its three forms (SPARQL 1.1 Protocol §2.1)."""
    headers = {"Accept": accept} if accept else {}
    if how == "get":
        return httpx.get(url + "/sparql", params={"query": query}, headers=headers, timeout=timeout)
    if how == "form":
        return httpx.post(url + "/sparql", data={"query": query}, headers=headers, timeout=timeout)
    headers["Content-Type"] = "application/sparql-query"
    return httpx.post(url + "/sparql", content=query.encode(), headers=headers, timeout=timeout)


def rows_of(resp: httpx.Response) -> tuple[list[str], list[list[str | None]]]:
    assert resp.status_code == 200, resp.text
    data = resp.json()
    names = data["head"]["vars"]
    return names, [[b[v]["value"] if v in b else None for v in names] for b in data["results"]["bindings"]]


def order_keys(text: str, columns: list[str]) -> list[str]:
    """The projected variables of an ORDER BY: rows tied on them may come in either engine's order."""
    m = re.search(r"\bORDER\s+BY\b(.*?)(?:\bLIMIT\b|\bOFFSET\b|$)", text, re.I | re.S)
    return [] if m is None else [v for v in re.findall(r"[?$](\w+)", m.group(1)) if v in columns]


@pytest.fixture(scope="module")
def cli_rows(built) -> dict[str, list[dict]]:
    """Every bundled query through `cnocc query NAME --format json`, as a user runs it."""
    dist = built[1]

    def one(name: str) -> list[dict]:
        proc = run_cli("query", name, "--format", "json", "--dist", str(dist))
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    with ThreadPoolExecutor(4) as pool:
        return dict(zip(QUERIES, pool.map(one, QUERIES)))


def answers_again(url: str, seconds: float = 30) -> list:
    """SIMPLE's rows once a worker is free: right after a kill its replacement may still be starting."""
    deadline = time.monotonic() + seconds
    while True:
        resp = ask(url, SIMPLE)
        if resp.status_code != 503 or time.monotonic() > deadline:
            return rows_of(resp)[1]
        time.sleep(0.2)


@pytest.fixture(scope="module")
def limited(built):
    """A server with a 1-second time limit and a 5-row cap, to hit both quickly."""
    srv = Server(built[1], "--query-timeout", "1", "--max-rows", "5")
    yield srv
    srv.stop()


@pytest.fixture
def listener():
    """A loopback port that records whether anything ever connects to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.settimeout(0.2)
    hits: list = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            hits.append(conn.recv(200))
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield sock.getsockname()[1], hits
    stop.set()
    thread.join()
    sock.close()


# --- the bundled queries answer as the command line does ----------------------------------------


@pytest.mark.parametrize("how", ["get", "form", "direct"])
@pytest.mark.parametrize("name", list(QUERIES))
def test_bundled_query_matches_cli(server, cli_rows, name, how):
    text = QUERIES[name].text
    columns, rows = rows_of(ask(server.url, text, how))
    expected = [[r.get(c) for c in columns] for r in cli_rows[name]]
    if cli_rows[name]:
        assert set(columns) == set(cli_rows[name][0])
    assert Counter(map(tuple, rows)) == Counter(map(tuple, expected))
    keys = [columns.index(k) for k in order_keys(text, columns)]
    if keys:
        assert [[r[i] for i in keys] for r in rows] == [[r[i] for i in keys] for r in expected]


# --- result formats -----------------------------------------------------------------------------


def test_select_formats_agree(server):
    query = QUERIES["new-occupations"].text
    columns, rows = rows_of(ask(server.url, query))
    assert rows

    resp = ask(server.url, query, accept="application/sparql-results+xml")
    assert resp.headers["content-type"].startswith("application/sparql-results+xml")
    results = ET.fromstring(resp.content).iter(SRX + "result")
    xml_rows = [{b.get("name"): "".join(b.itertext()) for b in r.iter(SRX + "binding")} for r in results]
    assert [[r.get(c) for c in columns] for r in xml_rows] == rows

    resp = ask(server.url, query, accept="text/csv")
    assert resp.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(resp.text)))
    assert table[0] == columns
    assert table[1:] == [["" if v is None else v for v in r] for r in rows]

    resp = ask(server.url, query, accept="text/tab-separated-values")
    assert resp.headers["content-type"].startswith("text/tab-separated-values")
    tsv = ox.parse_query_results(resp.content, format=ox.QueryResultsFormat.TSV)
    assert [[None if s[c] is None else s[c].value for c in columns] for s in tsv] == rows


def test_ask_formats(server):
    assert ask(server.url, "ASK { ?s ?p ?o }").json() == {"head": {}, "boolean": True}
    xml = ET.fromstring(ask(server.url, "ASK { <urn:x:none> ?p ?o }", accept="application/sparql-results+xml").content)
    assert xml.find(SRX + "boolean").text == "false"


@pytest.mark.parametrize("accept,media,rdflib_format", [
    (None, "text/turtle", "turtle"),
    ("text/turtle", "text/turtle", "turtle"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
])
def test_construct_formats_parse(server, accept, media, rdflib_format):
    resp = ask(server.url, CONSTRUCT, "form", accept=accept)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith(media)
    g = Graph().parse(data=resp.content, format=rdflib_format)
    reference = Graph().parse(data=ask(server.url, CONSTRUCT, accept="application/n-triples").content, format="nt")
    assert len(g) == 40 and set(g) == set(reference)


def test_negotiation(server):
    resp = ask(server.url, SIMPLE)
    assert resp.headers["content-type"].startswith("application/sparql-results+json")
    assert "accept" in resp.headers["vary"].lower()
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert ask(server.url, SIMPLE, accept=browser).headers["content-type"].startswith("application/sparql-results+xml")
    assert ask(server.url, SIMPLE, accept="text/csv;q=0.5, text/tab-separated-values").headers[
        "content-type"].startswith("text/tab-separated-values")
    for query in (SIMPLE, CONSTRUCT):
        resp = ask(server.url, query, accept="image/png")
        assert resp.status_code == 406 and "accept" in resp.text.lower()
    assert ask(server.url, CONSTRUCT, accept="text/csv").status_code == 406  # no CSV for a graph


def test_default_graph_uri_narrows_the_dataset(server):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    graph = "https://w3id.org/cnocc/graph/ontology"
    union = int(rows_of(ask(server.url, query))[1][0][0])
    resp = httpx.get(server.url + "/sparql", params={"query": query, "default-graph-uri": graph}, timeout=60)
    one = int(rows_of(resp)[1][0][0])
    in_graph_query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    in_graph = int(rows_of(ask(server.url, in_graph_query))[1][0][0])
    assert 0 < one == in_graph < union
    bad = httpx.get(server.url + "/sparql", params={"query": query, "default-graph-uri": "not an iri"}, timeout=60)
    assert bad.status_code == 400


# --- refusals -------------------------------------------------------------------------------------

INSERT = "INSERT DATA { <urn:x:s> <urn:x:p> <urn:x:o> }"


def assert_unchanged(url: str) -> None:
    assert ask(url, "ASK { <urn:x:s> ?p ?o }").json()["boolean"] is False


def test_update_parameter_refused(server):
    resp = httpx.post(server.url + "/sparql", data={"update": INSERT}, timeout=60)
    assert resp.status_code == 403 and "read-only" in resp.text
    assert_unchanged(server.url)


def test_sparql_update_body_refused(server):
    resp = httpx.post(server.url + "/sparql", content=INSERT, headers={"Content-Type": "application/sparql-update"},
                      timeout=60)
    assert resp.status_code == 403 and "read-only" in resp.text
    assert_unchanged(server.url)


@pytest.mark.parametrize("how", ["get", "form", "direct"])
def test_update_in_query_refused(server, how):
    resp = ask(server.url, INSERT, how)
    assert resp.status_code == 403 and "read-only" in resp.text
    assert_unchanged(server.url)


def test_load_refused_without_fetching(server, listener):
    port, hits = listener
    resp = ask(server.url, f"LOAD <http://127.0.0.1:{port}/data.ttl>", "form")
    assert resp.status_code == 403 and "read-only" in resp.text
    time.sleep(0.5)
    assert hits == []


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:{port}/sparql> {} }",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE SILENT <http://127.0.0.1:{port}/sparql> { ?s ?q ?v } } } LIMIT 1",
    "SELECT * WHERE { FILTER EXISTS { service <http://127.0.0.1:{port}/sparql> { ?a ?b ?c } } }",
    "SELECT * WHERE { SE\\u0052VICE <http://127.0.0.1:{port}/sparql> { ?a ?b ?c } }",  # escapes expand first
])
def test_service_refused_without_connecting(server, listener, query):
    port, hits = listener
    resp = ask(server.url, query.replace("{port}", str(port)), "form")
    assert resp.status_code == 403 and "federated" in resp.text
    time.sleep(0.5)
    assert hits == []


def test_unverifiable_service_refused_without_connecting(server, listener):
    """LATERAL is pyoxigraph's own syntax: the checking parser cannot read it, so SERVICE stays out."""
    port, hits = listener
    resp = ask(server.url, f"SELECT * WHERE {{ ?s ?p ?o LATERAL {{ SERVICE <http://127.0.0.1:{port}/> {{}} }} }}")
    assert resp.status_code == 400 and "federated" in resp.text
    time.sleep(0.5)
    assert hits == []


def test_the_brief_service_query_refused(server):
    resp = ask(server.url, "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> {} }")
    assert resp.status_code == 403 and "federated" in resp.text


def test_service_in_comment_or_string_runs(server):
    query = '# SERVICE <http://127.0.0.1:1/sparql> {}\nSELECT ?x WHERE { BIND ("SERVICE <http://127.0.0.1:1/>" AS ?x) }'
    columns, rows = rows_of(ask(server.url, query))
    assert rows == [["SERVICE <http://127.0.0.1:1/>"]]


def test_malformed_query_gets_the_parser_message(server):
    bad = "SELECT ?x WHERE { ?x ?y }"
    with pytest.raises(SyntaxError) as parsed:
        ox.Store().query(bad)
    for how in ("get", "form", "direct"):
        resp = ask(server.url, bad, how)
        assert resp.status_code == 400 and str(parsed.value) in resp.text


def test_oversized_request_refused(server):
    big = "SELECT * WHERE { ?s ?p ?o } LIMIT 1 #" + "x" * 100_000  # default --max-request-bytes is 100 000
    assert ask(server.url, big, "direct").status_code == 413
    assert ask(server.url, big, "form").status_code == 413
    assert ask(server.url, big[:2000], "direct").status_code == 200


def test_missing_query_and_unknown_content_type(server):
    assert httpx.get(server.url + "/sparql", headers={"Accept": "application/sparql-results+json"}).status_code == 400
    assert httpx.post(server.url + "/sparql", data={"x": "y"}).status_code == 400
    resp = httpx.post(server.url + "/sparql", content=SIMPLE, headers={"Content-Type": "text/plain"})
    assert resp.status_code == 415


# --- limits ---------------------------------------------------------------------------------------


def test_runaway_query_stopped_while_others_are_served(limited):
    answers_again(limited.url)
    outcome: dict = {}

    def slow():
        started = time.monotonic()
        outcome["resp"] = ask(limited.url, SLOW, "form")
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)
    assert rows_of(ask(limited.url, SIMPLE))[1] == [["1"]]  # served while the runaway runs
    thread.join(30)
    resp = outcome["resp"]
    assert resp.status_code == 503 and "1 second" in resp.text and "time limit" in resp.text
    assert outcome["seconds"] < 1 + 3
    for _ in range(3):  # and after it (the other worker answers while the stopped one is replaced)
        assert rows_of(ask(limited.url, SIMPLE))[1] == [["1"]]


def test_stopped_worker_is_replaced(limited):
    """Two runaways at once both run to the limit only if both workers are alive again."""
    answers_again(limited.url)
    assert ask(limited.url, SLOW).status_code == 503
    deadline = time.monotonic() + 30
    while True:
        with ThreadPoolExecutor(2) as pool:
            texts = [r.text for r in pool.map(lambda _: ask(limited.url, SLOW), range(2))]
        if all("ran longer" in t for t in texts):
            break
        assert time.monotonic() < deadline, texts
        time.sleep(1)
    assert answers_again(limited.url) == [["1"]]  # both were just stopped: replacements answer


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "text/csv"])
def test_row_cap(limited, accept):
    answers_again(limited.url)
    over = ask(limited.url, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 6", accept=accept)
    assert over.status_code == 422 and "LIMIT" in over.text and "--max-rows" in over.text
    at = ask(limited.url, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 5", accept=accept)
    assert at.status_code == 200
    below = ask(limited.url, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 4")
    assert len(rows_of(below)[1]) == 4
    if accept == "text/csv":
        assert len(at.text.strip().splitlines()) == 1 + 5
    else:
        assert len(rows_of(at)[1]) == 5


def test_triple_cap(limited):
    answers_again(limited.url)
    over = ask(limited.url, "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 6")
    assert over.status_code == 422 and "LIMIT" in over.text
    at = ask(limited.url, "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 5", accept="application/n-triples")
    assert at.status_code == 200 and len(Graph().parse(data=at.text, format="nt")) == 5


def test_concurrent_clients(server):
    def one(i: int) -> tuple[int, list]:
        query = f"SELECT ?s ({i} AS ?tag) WHERE {{ ?s ?p ?o }} LIMIT {i}"
        resp = ask(server.url, query, ("get", "form", "direct")[i % 3])
        return i, rows_of(resp)[1]

    with ThreadPoolExecutor(20) as pool:
        for i, rows in pool.map(one, range(1, 21)):
            assert len(rows) == i and all(r[1] == str(i) for r in rows)


# --- HTTP around the queries ----------------------------------------------------------------------


def test_cors(server):
    resp = ask(server.url, SIMPLE)
    assert resp.headers["access-control-allow-origin"] == "*"
    pre = httpx.options(server.url + "/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code in (200, 204)
    assert pre.headers["access-control-allow-origin"] == "*"
    assert "POST" in pre.headers["access-control-allow-methods"]
    assert "content-type" in pre.headers["access-control-allow-headers"].lower()


def test_html_form(server):
    resp = httpx.get(server.url + "/sparql", headers={"Accept": "text/html"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    page = resp.text
    assert re.search(r'<form[^>]*action="/sparql"', page) and "<textarea" in page and 'name="query"' in page
    for name, q in QUERIES.items():
        assert name in page and q.question_en in html.unescape(page)
    assert "<script" not in page and not re.search(r'(src|href)="(https?:)?//', page)  # nothing from elsewhere
    assert "<link" not in page


def test_html_form_example_fills_the_textarea_and_links_run(server):
    name = "code-path"
    page = httpx.get(server.url + "/sparql", params={"example": name}, headers={"Accept": "text/html"}).text
    area = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S).group(1)
    assert html.unescape(area) == QUERIES[name].text
    run = re.search(r'<li id="q-%s">.*?<a href="([^"]*)">运行' % name, page, re.S).group(1)
    resp = httpx.get(server.url + html.unescape(run))
    assert resp.status_code == 200 and rows_of(resp)[1]


def test_memory_hungry_query_stops_its_worker_only(built):
    """Past the memory limit the worker dies before the time limit; the server answers on."""
    srv = Server(built[1], "--query-timeout", "60", "--worker-memory-mb", "600", "--sparql-workers", "1")
    try:
        answers_again(srv.url)
        hungry = ("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?a ?b ?c ?d WHERE "
                  "{ ?a ?p ?b . ?c ?q ?d } }")
        started = time.monotonic()
        resp = ask(srv.url, hungry, timeout=90)
        assert resp.status_code == 500 and "stopped unexpectedly" in resp.text, resp.text
        assert time.monotonic() - started < 60  # the memory limit, not the time limit, stopped it
        assert answers_again(srv.url, 60) == [["1"]]
    finally:
        srv.stop()
