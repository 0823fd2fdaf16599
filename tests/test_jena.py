"""Apache Jena as a second engine on the real build: ARQ answers, a TDB2 bulk load, SHACL.

Jena is Debian's 4.5.0 (libapache-jena-java), run through tests/jena.py. Starting a JVM costs about
2 s, so the queries run in one JVM over one TDB2 database, and the SHACL cases in one JVM that
parses the data once (tests/jena.py: CnoccJenaBatch); the documented command-line tools run too
(TDB2 load and per-graph counts, `shacl validate` on the real data).

Engine differences found are listed below as expected differences, each checked as observed: a
listed difference that disappears fails the test too, so the list cannot go stale.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF

import jena
from cnocc import paths
from cnocc.model import vocab as V
from cnocc.pipeline.build import asserted_union
from cnocc.store.queries import bundled
from cnocc.validate import Result, shape_name
from cnocc.validate.reference import pyshacl_results as validate
from cnocc.model.vocab import SH
from engines import difference, reference, rows_from_csv
from recording import Recording
from shape_cases import CASES, only_shape

SHAPES_FILE = paths.SHAPES_DIR / "cnocc-shapes.ttl"

# Bundled queries whose Jena rows differ from rdflib's: name -> (reason, missing rows, extra rows) as
# the Counter difference (rdflib - jena, jena - rdflib). None found: every bundled query agrees.
EXPECTED_QUERY_DIFFERENCES: dict[str, tuple[str, Counter, Counter]] = {}

# SHACL cases where Jena's (shape, focus) results differ from pyshacl's:
# case id -> (reason, pairs only pyshacl reports, pairs only Jena reports). None found.
EXPECTED_SHACL_DIFFERENCES: dict[str, tuple[str, set, set]] = {}


@pytest.fixture(scope="session")
def jena_ok() -> None:
    """Session-scoped and asked for first, so a missing Jena skips before the build is made."""
    jena.need(jena.jena_missing())


# --- TDB2: bulk load, per-graph counts, and the bundled queries -------------------------------------

def graph_iri(name: str) -> str:
    return str(V.GRAPHS.get(name, V.uri("graph", name)))  # as cnocc.model.terms.graph_node names them


@pytest.fixture(scope="module")
def tdb(jena_ok, built, tmp_path_factory) -> Path:
    """The build's N-Quads bulk-loaded into a fresh TDB2 database with `tdb2.tdbloader`."""
    _, dist = built
    loc = tmp_path_factory.mktemp("jena") / "tdb2"
    jena.tdb2_load(loc, dist / "cnocc.nq")
    return loc


def test_tdb2_load_keeps_every_graph(jena_ok, built, tdb, tmp_path):
    result, _ = built
    q = tmp_path / "graphs.rq"
    q.write_text("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g\n", encoding="utf-8")
    _, rows = rows_from_csv(jena.tdb2_query(tdb, q))  # the command-line tool, as docs/loading.md says
    found = {g: int(n) for (g, n) in rows}
    expected = {graph_iri(name): len(g) for name, g in result.bundle.graphs.items() if len(g)}
    assert found == expected
    # the union default graph holds each triple once, as rdflib's union does
    q.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }\n", encoding="utf-8")
    _, rows = rows_from_csv(jena.tdb2_query(tdb, q))
    assert rows == Counter({(str(len(result.bundle.union())),): 1})


@pytest.fixture(scope="module")
def jena_answers(tdb, tmp_path_factory) -> dict[str, str]:
    queries = {name: q.path for name, q in bundled().items()}
    return jena.tdb2_queries(tdb, queries, tmp_path_factory.mktemp("jena-queries"))


@pytest.mark.parametrize("name", sorted(bundled()))
def test_bundled_query_agrees_with_rdflib(jena_ok, built, jena_answers, name):
    _, dist = built
    columns, expected = reference(str(dist), name)
    jcolumns, found = rows_from_csv(jena_answers[name])
    assert jcolumns == columns
    if name in EXPECTED_QUERY_DIFFERENCES:
        reason, missing, extra = EXPECTED_QUERY_DIFFERENCES[name]
        assert (expected - found, found - expected) == (missing, extra), \
            f"the known Jena difference ({reason}) changed:\n{difference(expected, found)}"
    else:
        assert found == expected, f"Jena ARQ and rdflib disagree on '{name}':\n{difference(expected, found)}"
        assert expected, f"'{name}' answers nothing on the real build: no agreement shown"


# --- SHACL ---------------------------------------------------------------------------------------------

def report_results(report: Graph, shapes: Graph) -> list[Result]:
    """A Jena report read like cnocc.validate.report reads pyshacl's (shape by name, focus, value)."""
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        value = report.value(r, SH.value)
        out.append(Result(focus=str(report.value(r, SH.focusNode)), label="",
                          shape=shape_name(shapes, report.value(r, SH.sourceShape)), path="",
                          message=str(report.value(r, SH.resultMessage) or ""),
                          value="" if value is None else str(value)))
    return out


def conforms(report: Graph) -> bool:
    flags = list(report.objects(None, SH.conforms))
    assert len(flags) == 1, f"a report has one sh:conforms, this one {flags}"
    return flags[0].toPython() is True


@pytest.fixture(scope="module")
def asserted_nt(jena_ok, real, tmp_path_factory) -> Path:
    """What the build validates (every graph but `inferred` and `metadata`), as N-Triples."""
    g, _ = real
    path = tmp_path_factory.mktemp("jena-shacl") / "asserted.nt"
    g.serialize(path, format="nt", encoding="utf-8")
    return path


def test_real_data_conforms_under_jena(jena_ok, built, asserted_nt):
    """The build has just validated the same graph with pyshacl (it fails otherwise); Jena agrees."""
    result, _ = built
    assert len(Graph().parse(asserted_nt, format="nt")) == len(asserted_union(result.bundle.graphs))
    report = Graph().parse(data=jena.shacl_validate(SHAPES_FILE, asserted_nt), format="turtle")
    results = report_results(report, Graph().parse(SHAPES_FILE))
    assert conforms(report) and not results, "Jena finds violations pyshacl does not:\n" + \
        "\n".join(f"  {r.shape} | {r.focus} | {r.message} | {r.value}" for r in results[:20])


# Every negative case of tests/test_shapes.py, all validated in one JVM: the same violations under
# Jena as under pyshacl, case by case.
SHACL_CASES = list(CASES)
SKOLEM = "urn:cnocc-test:property-shape/"


def skolemised(shapes: Graph) -> Graph:
    """Property shapes as IRIs instead of blank nodes, so Jena's sh:sourceShape leads back to them."""
    names = {b: URIRef(f"{SKOLEM}{i}") for i, b in enumerate(sorted({o for o in shapes.objects(None, SH.property)
                                                                    if isinstance(o, BNode)}))}
    out = Graph(namespace_manager=shapes.namespace_manager)
    for s, p, o in shapes:
        out.add((names.get(s, s), p, names.get(o, o)))
    return out


def _write(triples, path: Path) -> Path:
    g = Graph()
    for t in triples:
        g.add(t)
    g.serialize(path, format="nt", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def shacl_runs(jena_ok, real, asserted_nt, tmp_path_factory):
    """Per case: (shapes, pyshacl's results, Jena's report), Jena working in its own JVM meanwhile."""
    g, shapes = real
    work = tmp_path_factory.mktemp("jena-cases")
    graph = Recording()
    graph += g
    jobs, changes, subsets = {}, {}, {}
    for n, (case_id, mutate, shape, _focus) in enumerate(SHACL_CASES):
        graph.start()
        mutate(graph)
        removed, added = set(graph.removed), set(graph.added)
        assert removed or added, f"{case_id} changes nothing"
        changes[case_id] = (removed, added)
        graph.undo()
        subsets[case_id] = skolemised(only_shape(shapes, shape))
        subsets[case_id].serialize(work / f"shapes-{n}.ttl", format="turtle", encoding="utf-8")
        if any(isinstance(x, BNode) for t in removed | added for x in t):  # blank nodes: the whole graph
            jobs[case_id] = jena.ShaclJob(work / f"shapes-{n}.ttl",
                                          _write((set(g) - removed) | added, work / f"data-{n}.nt"))
        else:
            jobs[case_id] = jena.ShaclJob(work / f"shapes-{n}.ttl", asserted_nt,
                                          _write(removed, work / f"removed-{n}.nt"), _write(added, work / f"added-{n}.nt"))
    assert len(graph) == len(g)
    start = time.perf_counter()
    batch = jena.ShaclBatch(jobs, work / "out")
    py = {}
    for case_id, (removed, added) in changes.items():  # the same change again, for pyshacl
        for t in removed:
            graph.remove(t)
        for t in added:
            graph.add(t)
        py[case_id] = validate(graph, subsets[case_id])
        graph.undo()
    assert len(graph) == len(g) and set(graph) == set(g), "a case was not put back"
    reports = batch.reports()
    print(f"\n{len(jobs)} SHACL cases: pyshacl and Jena side by side in {time.perf_counter() - start:.1f} s")
    return {case_id: (subsets[case_id], py[case_id], Graph().parse(data=reports[case_id], format="turtle"))
            for case_id in jobs}


def plain(value: str) -> str:
    """A value without the name cnocc.validate.report appends to IRIs ("IRI (名称)")."""
    return value.split(" ", 1)[0] if value.startswith(("http://", "https://", "urn:")) else value


def hits(results: list[Result], shape: str, focus: URIRef) -> list[Result]:
    """As tests/test_shapes.py: results of `shape` whose focus (or, for scheme-wide shapes, value) is `focus`."""
    return [r for r in results if r.shape == shape and str(focus) in (r.focus, plain(r.value))]


@pytest.mark.parametrize(("case_id", "shape", "focus"), [(c[0], c[2], c[3]) for c in SHACL_CASES],
                         ids=[c[0] for c in SHACL_CASES])
def test_jena_reports_the_same_breakage(jena_ok, shacl_runs, case_id, shape, focus):
    subset, (py_conforms, py_results), report = shacl_runs[case_id]
    jena_results = report_results(report, subset)
    assert not py_conforms and hits(py_results, shape, focus), "pyshacl misses the case (see test_shapes.py)"
    assert not conforms(report), "Jena finds the broken graph conforming"
    assert len(list(report.subjects(RDF.type, SH.ValidationResult))) == len(jena_results)
    py_pairs = {(r.shape, r.focus, plain(r.value)) for r in py_results}
    jena_pairs = {(r.shape, r.focus, plain(r.value)) for r in jena_results}
    observed = (py_pairs - jena_pairs, jena_pairs - py_pairs)
    if case_id in EXPECTED_SHACL_DIFFERENCES:
        reason, only_py, only_jena = EXPECTED_SHACL_DIFFERENCES[case_id]
        assert observed == (only_py, only_jena), f"the known difference ({reason}) changed: {observed}"
    else:
        assert hits(jena_results, shape, focus), f"Jena reports no '{shape}' result on {focus}"
        assert observed == (set(), set()), \
            f"pyshacl and Jena disagree (shape, focus, value): only pyshacl {observed[0]}, only Jena {observed[1]}"
