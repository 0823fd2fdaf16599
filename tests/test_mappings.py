"""The ISCO-08 and ESCO mapping sets: valid SSSOM, true to their rows in RDF, and never a parent.

Expected values come from the SSSOM files themselves (the source of truth) and the reference
snapshots, read here with the csv module independently of the build's reader.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, SKOS, VOID

from cnocc import paths
from cnocc.pipeline.build import LINKS, asserted_union
from cnocc.reason.reference import infer, standard_axioms

MAPPING_FILES = sorted((paths.DATA_DIR / "mappings").glob("*.sssom.tsv"))
SSSOM = Namespace("https://w3id.org/sssom/")
PREFIXES = {"cn": "https://w3id.org/cnocc/", "isco": "http://data.europa.eu/esco/isco/C",
            "esco": "http://data.europa.eu/esco/occupation/", "skos": str(SKOS)}
EXTERNAL = ("http://data.europa.eu/esco/",)
HIERARCHY = (SKOS.broader, SKOS.narrower, SKOS.broaderTransitive, SKOS.narrowerTransitive)
MATCHES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch, SKOS.mappingRelation)


def expand(curie: str) -> URIRef:
    prefix, _, local = curie.partition(":")
    return URIRef(PREFIXES[prefix] + local)


def rows(path: Path) -> list[dict]:
    body = "\n".join(ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#"))
    return list(csv.DictReader(io.StringIO(body), delimiter="\t"))


ALL_ROWS = [(p.name, r) for p in MAPPING_FILES for r in rows(p)]
POSITIVE = [r for _, r in ALL_ROWS if r["predicate_modifier"] != "Not"]
NEGATED = [r for _, r in ALL_ROWS if r["predicate_modifier"] == "Not"]


def triple(r: dict) -> tuple[URIRef, URIRef, URIRef]:
    return expand(r["subject_id"]), expand(r["predicate_id"]), expand(r["object_id"])


def snapshot(name: str) -> list[dict]:
    with (paths.DATA_DIR / "reference" / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def graphs(built) -> dict[str, Graph]:
    return built[0].bundle.graphs


def is_external(node) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(EXTERNAL)


# --- the files -------------------------------------------------------------------------------------

def test_there_are_mapping_sets_with_negated_rows():
    assert {p.name for p in MAPPING_FILES} == {"cnocc-isco08.sssom.tsv", "cnocc-esco.sssom.tsv"}
    assert POSITIVE and NEGATED  # the negation test below must have something to check


@pytest.mark.parametrize("path", MAPPING_FILES, ids=lambda p: p.name)
def test_sssom_validate_passes(path):
    """The sssom package's own command, as a reviewer would run it."""
    sssom = Path(sys.executable).parent / "sssom"
    proc = subprocess.run([str(sssom), "validate", str(path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("path", MAPPING_FILES, ids=lambda p: p.name)
def test_set_metadata(path):
    head = path.read_text(encoding="utf-8")
    assert "# mapping_set_id: https://w3id.org/cnocc/mappings/" in head
    assert "# license: https://creativecommons.org/licenses/by/4.0/" in head
    assert "# creator_id:" in head and "# object_source: http://data.europa.eu/esco/concept-scheme/" in head
    assert "# object_source_version:" in head and "v1.2" in head


def test_every_row_has_a_reason_author_date_and_manual_justification():
    for name, r in ALL_ROWS:
        where = f"{name}: {r['subject_id']} -> {r['object_id']}"
        assert r["comment"].strip(), where
        assert r["mapping_justification"] == "semapv:ManualMappingCuration", where
        assert r["author_id"] and r["mapping_date"], where
        assert 0 < float(r["confidence"]) <= 1, where


def test_every_target_exists_in_the_snapshot_with_its_label():
    labels = {r["uri"]: r["title_en"] for r in snapshot("isco08-groups.csv")}
    labels |= {r["uri"]: r["pref_label"] for r in snapshot("esco-occupations.csv")}
    for _, r in ALL_ROWS:
        assert labels.get(str(expand(r["object_id"]))) == r["object_label"], r["object_id"]


def test_isco_targets_are_unit_groups():
    units = {r["code"] for r in snapshot("isco08-groups.csv") if r["level"] == "unit"}
    for name, r in ALL_ROWS:
        if r["object_id"].startswith("isco:"):
            assert r["object_id"][5:] in units, r["object_id"]
            assert r["predicate_id"] == "skos:broadMatch", "a national occupation sits under an ISCO unit group"


def test_every_item_of_the_july_2020_announcement_is_mapped_to_isco(graphs):
    """Occupations, work types and raised occupations of 2020-07-06, and their 2022 items."""
    announced = URIRef("https://w3id.org/cnocc/announcement/2020-07-06")
    national = asserted_union(graphs, exclude=LINKS)
    items = set(national.subjects(URIRef("https://w3id.org/cnocc/ontology#introducedBy"), announced))
    items |= {o for s in items for o in national.objects(s, URIRef("https://w3id.org/cnocc/ontology#raisedTo"))}
    assert len(items) >= 17
    mapped = {triple(r)[0] for _, r in ALL_ROWS if r["object_id"].startswith("isco:") and r["predicate_modifier"] != "Not"}
    assert items <= mapped, sorted(str(i) for i in items - mapped)
    coded_2022 = {s for s in mapped if "/2022/" in str(s)}
    assert len(coded_2022) == 13  # 9 new occupations, 3 raised ones and 劳务派遣管理员 have 2022 items


# --- the RDF ---------------------------------------------------------------------------------------

def test_positive_rows_are_direct_triples(graphs):
    for r in POSITIVE:
        assert triple(r) in graphs["mappings"], r


def test_a_negated_row_yields_no_positive_triple(graphs, built):
    """sssom's OWL path would write one; cnocc's output must not, in any graph or dump."""
    everything = asserted_union(graphs) + graphs["inferred"] + graphs["metadata"]
    nt = (built[1] / "cnocc.nt").read_text(encoding="utf-8")
    for r in NEGATED:
        s, p, o = triple(r)
        assert (s, p, o) not in everything, r
        assert f"<{s}> <{p}> <{o}> ." not in nt
        records = [m for m in graphs["mappings"].subjects(OWL.annotatedTarget, o)
                   if (m, OWL.annotatedSource, s) in graphs["mappings"]]
        assert len(records) == 1
        assert (records[0], SSSOM.predicate_modifier, SSSOM.NegatedPredicate) in graphs["mappings"]


def test_records_carry_confidence_and_reason(graphs):
    g = graphs["mappings"]
    for _, r in ALL_ROWS:
        s, p, o = triple(r)
        m = next(m for m in g.subjects(OWL.annotatedSource, s) if (m, OWL.annotatedTarget, o) in g)
        assert (m, OWL.annotatedProperty, p) in g
        assert float(g.value(m, SSSOM.confidence)) == float(r["confidence"])
        assert str(g.value(m, URIRef("http://www.w3.org/2000/01/rdf-schema#comment"))) == r["comment"]


def test_no_isco_or_esco_concept_becomes_a_parent(graphs):
    """After reasoning, no national graph links a cnocc item to ISCO/ESCO through the hierarchy."""
    for name, g in graphs.items():
        if name in LINKS:
            continue
        leaks = [(s, p, o) for p in HIERARCHY + MATCHES for s, o in g.subject_objects(p)
                 if is_external(s) or is_external(o)]
        assert not leaks, f"{name}: {leaks[:3]}"
    for g in (graphs["mappings"], graphs["reference"]):
        for p in HIERARCHY:
            for s, o in g.subject_objects(p):
                assert not (is_external(o) and not is_external(s)), (s, p, o)


def test_the_leak_would_happen_if_mappings_were_reasoned_over():
    """Why the mappings stay out of the closure: SKOS makes broadMatch a sub-property of broader."""
    item, group = URIRef("https://w3id.org/cnocc/2015/occupation/2-02-10-15"), URIRef("http://data.europa.eu/esco/isco/C2512")
    g = Graph()
    g.add((item, RDF.type, SKOS.Concept))
    g.add((item, SKOS.broadMatch, group))
    inferred = infer(g, standard_axioms(paths.ONTOLOGY_DIR))
    assert (item, SKOS.broader, group) in inferred


def test_reference_holds_isco_whole_with_paths(graphs):
    g = graphs["reference"]
    isco = [s for s in g.subjects(SKOS.inScheme, URIRef("http://data.europa.eu/esco/concept-scheme/isco"))]
    assert len(isco) == len(snapshot("isco08-groups.csv")) == 619
    by_code = {r["code"]: r for r in snapshot("isco08-groups.csv")}
    for r in POSITIVE:
        o = triple(r)[2]
        assert (o, RDF.type, SKOS.Concept) in g
        assert any(lbl.language == "en" for lbl in g.objects(o, SKOS.prefLabel))
        if "/isco/" in str(o):  # walk unit -> minor -> sub-major -> major, as the snapshot's parents say
            node, code = o, str(o).rsplit("C", 1)[1]
            while by_code[code]["parent"]:
                code = by_code[code]["parent"]
                node = g.value(node, SKOS.broader)
                assert node == URIRef(by_code[code]["uri"])
                assert g.value(node, SKOS.notation) == Literal(code)
            assert g.value(node, SKOS.broader) is None


# --- exports and description -----------------------------------------------------------------------

def test_exports_carry_the_mapping_sets(built):
    result, out = built
    for path in MAPPING_FILES:
        assert (out / path.name).read_bytes() == path.read_bytes()
    dumped = Graph().parse(out / "mappings.ttl", format="turtle")
    assert isomorphic(dumped, result.bundle.graphs["mappings"])


def test_void_linksets_count_the_links(graphs):
    meta = graphs["metadata"]
    for path in MAPPING_FILES:
        head = path.read_text(encoding="utf-8")
        ls = URIRef(next(ln.split(": ", 1)[1] for ln in head.splitlines() if ln.startswith("# mapping_set_id:")))
        assert (ls, RDF.type, VOID.Linkset) in meta
        positive = {triple(r) for r in rows(path) if r["predicate_modifier"] != "Not"}
        assert int(meta.value(ls, VOID.triples)) == len(positive)
        assert set(meta.objects(ls, VOID.linkPredicate)) == {p for _, p, _ in positive}


def test_the_sets_rdf_from_the_checking_child_is_what_the_build_would_make_itself(tmp_path):
    """The build takes each set's RDF from `sssom_work` (run in a child, which loads sssom); the
    same sets converted in place must give the same graph. A set with problems gets no RDF there,
    so that `load` reports the problems rather than a half-made graph."""
    import shutil

    from cnocc.graphs.mappings import mapping_graph, sssom_work
    from cnocc.sources.sssom import load

    work = sssom_work(paths.DATA_DIR)
    assert sorted(work) == [p.name for p in MAPPING_FILES]
    assert all(problems == [] and triples for problems, triples in work.values())
    files, _ = load(paths.DATA_DIR, {name: v[0] for name, v in work.items()})
    given = mapping_graph(files, {name: v[1] for name, v in work.items()})
    assert len(given) > sum(len(rows(p)) for p in MAPPING_FILES)
    assert isomorphic(given, mapping_graph(files))

    data = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, data)
    broken = data / "mappings" / MAPPING_FILES[0].name
    text = broken.read_text(encoding="utf-8").splitlines()
    header = next(i for i, ln in enumerate(text) if not ln.startswith("#"))
    cells = text[header + 1].split("\t")
    cells[text[header].split("\t").index("mapping_justification")] = "not-a-curie"
    text[header + 1] = "\t".join(cells)
    broken.write_text("\n".join(text) + "\n", encoding="utf-8")
    from cnocc.sources.sssom import read_file

    problems, triples = sssom_work(data)[broken.name]
    found = read_file(broken, broken.name)[1]
    assert (problems or found) and triples is None
    assert any(p.field == "mapping_justification" for p in found)
