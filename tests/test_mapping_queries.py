"""The bundled queries over the ISCO-08 and ESCO links, run on a fresh build.

Every expected row is computed from the reviewed SSSOM tables in data/mappings/, the ISCO-08 and ESCO
snapshots in data/reference/ and the item tables in data/; none is copied from a query's output. Only
the path of 区块链工程技术人员 is written by hand, as a known fact of the ISCO-08 snapshot.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Callable

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, SKOS

from cnocc import paths
from cnocc.store.queries import bundled, run

BASE = "https://w3id.org/cnocc/"
ANNOUNCEMENT = "2020-07-06"
ISCO_SCHEME = URIRef("http://data.europa.eu/esco/concept-scheme/isco")
ESCO_SCHEME = URIRef("http://data.europa.eu/esco/concept-scheme/occupations")
MAPPINGS_GRAPH = URIRef(BASE + "graph/mappings")
REFERENCE_GRAPH = URIRef(BASE + "graph/reference")
MAPPING_FILES = ("cnocc-isco08.sssom.tsv", "cnocc-esco.sssom.tsv")
EQUIVALENT = {"skos:exactMatch", "skos:closeMatch"}

Row = list  # one result row: str or None per column


# --- the source tables -------------------------------------------------------------------------

@functools.cache
def table(name: str) -> tuple[dict[str, str], ...]:
    with open(paths.DATA_DIR / f"{name}.csv", encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f))


def opt(value: str) -> str | None:
    """An empty cell is an unbound variable in the results."""
    return value or None


def curie_map(text: str) -> dict[str, str]:
    """The `curie_map` of an SSSOM file's `#` YAML header (prefix -> namespace)."""
    out, inside = {}, False
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line[1:]
        if body.strip() == "curie_map:":
            inside = True
        elif inside and (m := re.match(r"\s+([\w-]+):\s*(\S+)\s*$", body)):
            out[m.group(1)] = m.group(2)
        else:
            inside = False
    return out


@functools.cache
def mappings() -> tuple[dict[str, str], ...]:
    """Every row of both SSSOM tables, with subject_uri and object_uri expanded by the file's curie_map."""
    rows = []
    for name in MAPPING_FILES:
        text = (paths.DATA_DIR / "mappings" / name).read_text(encoding="utf-8")
        prefixes = curie_map(text)

        def expand(curie: str) -> str:
            prefix, _, local = curie.partition(":")
            return prefixes[prefix] + local

        body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
        for r in csv.DictReader(io.StringIO(body), delimiter="\t"):
            rows.append({**r, "subject_uri": expand(r["subject_id"]), "object_uri": expand(r["object_id"])})
    return tuple(rows)


def accepted() -> list[dict[str, str]]:
    """Rows the editors accepted; a `Not` row records a rejected alternative and links nothing."""
    return [r for r in mappings() if r["predicate_modifier"] != "Not"]


@functools.cache
def isco() -> dict[str, dict[str, str]]:
    """The ISCO-08 groups by URI."""
    with open(paths.DATA_DIR / "reference" / "isco08-groups.csv", encoding="utf-8", newline="") as f:
        return {r["uri"]: r for r in csv.DictReader(f)}


@functools.cache
def esco() -> dict[str, dict[str, str]]:
    """The ESCO occupations by URI."""
    with open(paths.DATA_DIR / "reference" / "esco-occupations.csv", encoding="utf-8", newline="") as f:
        return {r["uri"]: r for r in csv.DictReader(f)}


def isco_by_code() -> dict[str, dict[str, str]]:
    return {g["code"]: g for g in isco().values()}


def isco_path(uri: str) -> list[dict[str, str]]:
    """A group and the groups above it, from the group up to its major group."""
    groups, out, g = isco_by_code(), [], isco()[uri]
    while g:
        out.append(g)
        g = groups.get(g["parent"]) if g["parent"] else None
    return out


@functools.cache
def items() -> dict[str, tuple[str, str | None, str]]:
    """Every item a mapping may name, by URI: (edition, code or None, Chinese name)."""
    out: dict[str, tuple[str, str | None, str]] = {}
    for o in table("occupations"):
        out[f"{BASE}{o['edition']}/occupation/{o['code'] or o['slug']}"] = (o["edition"], opt(o["code"]), o["name_zh"])
    for o in table("2022/occupations"):
        out[f"{BASE}2022/occupation/{o['code']}"] = ("2022", o["code"], o["name_zh"])
    for w in table("work_types"):
        out[f"{BASE}{w['edition']}/work-type/{w['slug']}"] = (w["edition"], None, w["name_zh"])
    editions = {a["id"]: a["edition"] for a in table("announcements")}
    names_2022 = [o["name_zh"] for o in table("2022/occupations")]
    for b in table("batch_occupations"):  # an announced name is an item of its own unless 2022 has that one name
        edition = editions[b["announcement"]]
        if edition == "2015" or names_2022.count(b["name_zh"]) != 1:
            out[f"{BASE}{edition}/occupation/{b['slug']}"] = (edition, None, b["name_zh"])
    return out


def introduced() -> set[str]:
    """The items linked to the July 2020 announcement: in the 2015 frame, which that announcement amends."""
    assert not [b for b in table("batch_occupations") if b["announcement"] == ANNOUNCEMENT]
    assert {a["edition"] for a in table("announcements") if a["id"] == ANNOUNCEMENT} == {"2015"}
    occ = {f"{BASE}2015/occupation/{o['code'] or o['slug']}"
           for o in table("occupations") if o["edition"] == "2015" and o["introduced_by"] == ANNOUNCEMENT}
    wt = {f"{BASE}2015/work-type/{w['slug']}"
          for w in table("work_types") if w["edition"] == "2015" and w["introduced_by"] == ANNOUNCEMENT}
    return occ | wt


# --- expected rows, one function per query -----------------------------------------------------

EXPECTED: dict[str, tuple[tuple[str, ...], Callable[[], list[Row]]]] = {}


def expects(name: str, *columns: str):
    def register(fn: Callable[[], list[Row]]) -> Callable[[], list[Row]]:
        EXPECTED[name] = (columns, fn)
        return fn
    return register


@expects("isco-path", "item", "edition", "code", "name_zh", "isco_unit", "unit_title", "isco_minor",
         "isco_sub_major", "isco_major", "major_title")
def _isco_path() -> list[Row]:
    rows = []
    for m in accepted():
        if m["predicate_id"] == "skos:broadMatch" and m["object_uri"] in isco():
            unit, minor, sub_major, major = isco_path(m["object_uri"])  # the mappings name unit groups
            edition, code, name = items()[m["subject_uri"]]
            rows.append([m["subject_uri"], edition, code, name, unit["code"], unit["title_en"], minor["code"],
                         sub_major["code"], major["code"], major["title_en"]])
    return sorted(rows, key=lambda r: (r[4], r[0]))


@expects("isco-to-cnocc", "isco_code", "title", "item", "name_zh", "predicate")
def _isco_to_cnocc() -> list[Row]:
    rows = set()
    for m in accepted():
        if m["object_uri"] in isco():
            for g in isco_path(m["object_uri"]):
                rows.add((g["code"], g["title_en"], m["subject_uri"], items()[m["subject_uri"]][2], m["predicate_id"]))
    return sorted((list(r) for r in rows), key=lambda r: (r[0], r[2], r[4]))


@expects("esco-equivalents", "item", "name_zh", "edition", "predicate", "esco", "esco_label")
def _esco_equivalents() -> list[Row]:
    rows = []
    for m in accepted():
        if m["predicate_id"] in EQUIVALENT and m["object_uri"] in esco():
            edition, _, name = items()[m["subject_uri"]]
            rows.append([m["subject_uri"], name, edition, m["predicate_id"], m["object_uri"],
                         esco()[m["object_uri"]]["pref_label"]])
    return sorted(rows, key=lambda r: (r[1], r[2], r[0], r[4]))


@expects("batch-2020-by-isco-major", "isco_major", "major_title", "items")
def _batch_2020_by_isco_major() -> list[Row]:
    per_major: dict[str, set[str]] = {}
    announced = introduced()
    for m in accepted():
        if m["predicate_id"] == "skos:broadMatch" and m["object_uri"] in isco() and m["subject_uri"] in announced:
            per_major.setdefault(isco_path(m["object_uri"])[-1]["code"], set()).add(m["subject_uri"])
    majors = isco_by_code()
    return [[code, majors[code]["title_en"], str(len(found))] for code, found in sorted(per_major.items())]


# --- fixtures ------------------------------------------------------------------------------------

QUERIES = {name: q for name, q in bundled().items() if name in EXPECTED}


@pytest.fixture(scope="module")
def results(graph) -> dict[str, tuple[list[str], list[Row]]]:
    return {name: run(graph, q) for name, q in QUERIES.items()}


# --- the queries as files ------------------------------------------------------------------------

def test_every_mapping_query_is_bundled():
    assert sorted(QUERIES) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_query_orders_its_rows(name):
    """Their questions are checked with every bundled query's in tests/test_queries.py."""
    assert "ORDER BY" in QUERIES[name].text


# --- the rows each query returns -----------------------------------------------------------------

def test_the_source_tables_have_rows_of_every_kind():
    """Otherwise the exact-row tests below could pass on empty results."""
    assert all(len(fn()) > 0 for _, fn in EXPECTED.values())
    assert any(m["predicate_modifier"] == "Not" for m in mappings())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_query_returns_exactly_the_rows_the_data_implies(name, results):
    columns, rows = results[name]
    expected_columns, expected_rows = EXPECTED[name]
    assert columns == list(expected_columns)
    assert rows == expected_rows()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_query_needs_no_inference(name, asserted_only, results):
    """Queries read asserted properties, so dropping the inferred graph changes nothing."""
    assert run(asserted_only, QUERIES[name]) == results[name]


def test_blockchain_technician_is_a_software_developer(results):
    """A known fact of the ISCO-08 snapshot: 2512 Software developers -> 251 -> 25 -> 2 Professionals."""
    columns, rows = results["isco-path"]
    [row] = [dict(zip(columns, r)) for r in rows if r[0] == BASE + "2015/occupation/2-02-10-15"]
    assert row == {"item": BASE + "2015/occupation/2-02-10-15", "edition": "2015", "code": "2-02-10-15",
                   "name_zh": "区块链工程技术人员", "isco_unit": "2512", "unit_title": "Software developers",
                   "isco_minor": "251", "isco_sub_major": "25", "isco_major": "2", "major_title": "Professionals"}


def test_rejected_alternatives_are_not_returned(results):
    """A `Not` row (e.g. 区块链应用操作员 is not 2512) must not show up as a link."""
    rejected = {(m["subject_uri"], m["object_uri"]) for m in mappings() if m["predicate_modifier"] == "Not"}
    columns, rows = results["isco-path"]
    found = {(r[0], isco_by_code()[r[columns.index("isco_unit")]]["uri"]) for r in rows}
    columns, rows = results["esco-equivalents"]
    found |= {(r[0], r[columns.index("esco")]) for r in rows}
    assert rejected and not rejected & found


# --- the targets in the built graph --------------------------------------------------------------

def mapping_targets(graph) -> set[URIRef]:
    """Every ISCO or ESCO resource the mappings graph links to: direct triples and mapping records."""
    g = graph.graph(MAPPINGS_GRAPH)
    direct = {o for p in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)
              for o in g.objects(None, p)}
    return direct | set(g.objects(None, OWL.annotatedTarget))


def test_mapping_targets_are_those_of_the_sssom_tables(graph):
    assert {str(t) for t in mapping_targets(graph)} == {m["object_uri"] for m in mappings()}


def test_every_mapping_target_is_a_labelled_concept_of_the_reference_graph(graph):
    ref = graph.graph(REFERENCE_GRAPH)
    targets = mapping_targets(graph)
    assert targets
    for t in sorted(targets):
        assert (t, RDF.type, SKOS.Concept) in ref, t
        labels = {(str(o), o.language) for o in ref.objects(t, SKOS.prefLabel) if isinstance(o, Literal)}
        if str(t) in isco():
            assert (t, SKOS.inScheme, ISCO_SCHEME) in ref, t
            assert labels == {(isco()[str(t)]["title_en"], "en")}, t
        else:
            assert (t, SKOS.inScheme, ESCO_SCHEME) in ref, t
            assert labels == {(esco()[str(t)]["pref_label"], "en")}, t


def test_every_isco_group_is_in_the_reference_graph_with_its_parent(graph):
    """isco-to-cnocc and batch-2020-by-isco-major climb skos:broader through all four ISCO levels."""
    ref = graph.graph(REFERENCE_GRAPH)
    assert len(isco()) == 619
    for uri, g in isco().items():
        s = URIRef(uri)
        assert (s, SKOS.notation, Literal(g["code"])) in ref, uri
        parents = set(ref.objects(s, SKOS.broader))
        assert parents == ({URIRef(isco_by_code()[g["parent"]]["uri"])} if g["parent"] else set()), uri
