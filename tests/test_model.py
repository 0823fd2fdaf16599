"""The model and the format registry on their own, without a build: URI minting, term conversion and
content negotiation. Expected values come from the URI design (docs/modelling.md) and RFC 9110."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from cnocc.export.formats import EXPORTS, GRAPH_FORMATS, JSONLD, PAGE_FORMATS, RESULT_FORMATS, TURTLE, negotiate
from cnocc.model import vocab as V
from cnocc.model.terms import Converter, from_ox


def test_item_and_level_uris_follow_the_published_design():
    assert V.item("2022", "occupation", "2-02-38-08") == URIRef("https://w3id.org/cnocc/2022/occupation/2-02-38-08")
    assert V.level("2015", "minor-group") == URIRef("https://w3id.org/cnocc/2015/minor-groups")
    assert V.source_uri("release-2020-07-06") == URIRef("https://w3id.org/cnocc/source/release-2020-07-06")
    assert V.GRAPHS["edition-2022"] == URIRef("https://w3id.org/cnocc/graph/edition-2022")


def test_evidence_uri_depends_on_source_and_quote_only():
    a = V.evidence("release-2020-07-06", "“区块链工程技术人员”")
    assert a == V.evidence("release-2020-07-06", "“区块链工程技术人员”")
    assert a != V.evidence("release-2020-07-06", "“城市管理网格员”")
    assert a != V.evidence("shcn-2020-07-17", "“区块链工程技术人员”")
    assert str(a).startswith("https://w3id.org/cnocc/evidence/") and len(str(a).rsplit("/", 1)[1]) == 16


def test_one_prefix_map_in_two_forms():
    assert V.PREFIX_IRIS == {p: str(ns) for p, ns in V.PREFIXES.items()}
    assert "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n" in V.sparql_prolog()
    g = V.new_graph()
    assert dict(g.namespaces())["xkos"] == URIRef("http://rdf-vocabulary.ddialliance.org/xkos#")


@pytest.mark.parametrize("term", [
    URIRef("https://w3id.org/cnocc/2022"), BNode("b1"), Literal("区块链", lang="zh"), Literal("plain"),
    Literal("2020-07-06", datatype=XSD.date), Literal("5", datatype=XSD.positiveInteger),
])
def test_terms_survive_the_round_trip(term):
    conv = Converter()
    assert conv.from_ox(conv.to_ox(term)) == term


def test_language_tag_case_is_put_back_as_written():
    conv = Converter()
    o = conv.to_ox(Literal("qū kuài liàn", lang="zh-Latn-pinyin"))
    assert o.language == "zh-latn-pinyin"  # what the store keeps
    assert conv.from_ox(o).language == "zh-Latn-pinyin"
    assert from_ox(o).language == "zh-latn-pinyin"  # without the record, the store's form


def test_record_keeps_typed_literals_as_written():
    conv = Converter()
    s, p = ox.NamedNode("urn:s"), ox.NamedNode("urn:p")
    five = ox.Literal("05", datatype=ox.NamedNode(str(XSD.positiveInteger)))
    conv.record([ox.Triple(s, p, five), ox.Triple(s, p, ox.Literal("text"))])
    assert conv.typed == {(s, p): {five}}


@pytest.mark.parametrize("accept,key", [
    (None, "html"), ("", "html"), ("text/turtle", "turtle"), ("application/json", "jsonld"),
    ("text/html;q=0.5, text/turtle", "turtle"), ("application/*", "jsonld"), ("*/*", "html"),
    ("application/xml", "rdfxml"), ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
])
def test_page_negotiation(accept, key):
    assert negotiate(accept, PAGE_FORMATS).key == key


def test_nothing_acceptable_is_none():
    assert negotiate("image/png", PAGE_FORMATS) is None
    assert negotiate("text/turtle;q=0", GRAPH_FORMATS) is None


def test_results_default_and_aliases():
    assert negotiate(None, RESULT_FORMATS).media_type == "application/sparql-results+json"
    assert negotiate("text/csv", RESULT_FORMATS).key == "csv"


def test_registry_feeds_the_dumps():
    files = {e.file: e for e in EXPORTS}
    assert files["cnocc.ttl"].write is TURTLE.write and files["cnocc.jsonld"].write is JSONLD.write
    assert all(e.what for e in EXPORTS)
    assert len(files) == len(EXPORTS)


# --- the table checks, on a copy of the real tables with one cell broken -----------------------------

def _broken_tables(tmp_path, table: str, line: int, column: str, value: str):
    import csv
    import shutil

    from cnocc import paths

    data = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, data, ignore=shutil.ignore_patterns("drafts"))
    with (data / table).open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows[line - 1][rows[0].index(column)] = value
    with (data / table).open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return data


@pytest.mark.parametrize("table,line,column,value", [
    ("occupations.csv", 2, "introduced_by", "2020-13-45"),  # not a date
    ("occupations.csv", 3, "source", "no-such-source"),  # cites nothing sources.csv lists
    ("2022/occupations.csv", 5, "parent", "9-99-99"),  # a parent the table does not have
])
def test_a_broken_cell_is_named_by_file_line_and_field(tmp_path, table, line, column, value):
    from cnocc.model.errors import DataError
    from cnocc.sources.dataset import load

    with pytest.raises(DataError) as err:
        load(_broken_tables(tmp_path, table, line, column, value))
    places = {(p.file, p.line, p.field) for p in err.value.problems}
    assert any(f.endswith(table) and n == line and c == column for f, n, c in places), places
