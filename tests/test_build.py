"""The real build: deterministic bytes, exports that re-parse, reasoning kept apart, facts as sourced."""

from __future__ import annotations

import csv
import json

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, PROV, RDF, SKOS

from cnocc import paths
from cnocc.model import vocab as V
from cnocc.export import EXPORTS, write_file
from cnocc.export.jsonld import _order_key
from cnocc.export.rdf import _restore_lang
from cnocc.sources.sourcetext import SourceText
from conftest import run_cli

ITEM = "https://w3id.org/cnocc/2015/"


def test_two_builds_give_identical_bytes(tmp_path):
    """Different hash seeds change rdflib's iteration order; the files must not change."""
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"dist{seed}"
        proc = run_cli("build", "--out", str(out), env={"PYTHONHASHSEED": seed})
        assert proc.returncode == 0, proc.stderr
        outs.append(out)
    names = sorted(p.name for p in outs[0].iterdir())
    mapping_sets = [p.name for p in (paths.DATA_DIR / "mappings").glob("*.sssom.tsv")]
    assert names == sorted([e.file for e in EXPORTS] + mapping_sets)
    for name in names:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


@pytest.mark.parametrize("file,fmt", [("cnocc.ttl", "turtle"), ("cnocc.nt", "nt"), ("cnocc.jsonld", "json-ld"), ("cnocc.rdf", "xml")])
def test_union_exports_reparse_to_the_built_graph(built, file, fmt):
    result, out = built
    assert isomorphic(Graph().parse(out / file, format=fmt), result.bundle.union())


@pytest.mark.parametrize("file,fmt", [("cnocc.trig", "trig"), ("cnocc.nq", "nquads")])
def test_named_graph_exports_keep_each_graph(built, file, fmt):
    result, out = built
    d = Dataset()
    d.parse(out / file, format=fmt)
    found = {str(g.identifier): g for g in d.graphs() if len(g)}
    expected = {str(V.GRAPHS[n]): g for n, g in result.bundle.graphs.items()}
    assert set(found) == set(expected)
    for name, g in expected.items():
        assert isomorphic(found[name], g), name


def test_inferred_file_holds_only_the_inferred_graph(built):
    result, out = built
    g = Graph().parse(out / "inferred.ttl")
    assert isomorphic(g, result.bundle.graphs["inferred"])


def test_reasoning_adds_inverse_transitive_and_class_triples_and_leaves_asserted_clean(built):
    result, _ = built
    graphs = result.bundle.graphs
    inferred = graphs["inferred"]
    asserted = Graph()
    for name in ("ontology", "edition-2015", "announcements"):
        asserted += graphs[name]
    occ = URIRef(ITEM + "occupation/2-02-10-15")
    minor = URIRef(ITEM + "minor-group/2-02-10")
    major = URIRef(ITEM + "major-group/2")
    # asserted: only broader to the minor group
    assert (occ, SKOS.broader, minor) in asserted
    assert (minor, SKOS.narrower, occ) not in asserted
    # inferred: the inverse, the transitive closure, and types from domains and ranges
    assert (minor, SKOS.narrower, occ) in inferred
    assert (occ, SKOS.broaderTransitive, major) in inferred
    assert (major, SKOS.narrowerTransitive, occ) in inferred
    assert (occ, RDF.type, PROV.Entity) in inferred  # from cnocc:introducedBy ⊑ prov:wasGeneratedBy
    assert (URIRef("https://w3id.org/cnocc/agency/nbs"), RDF.type, URIRef("http://www.w3.org/ns/org#Organization")) in inferred
    assert (occ, V.CNOCC.drivenBy, URIRef("https://w3id.org/cnocc/policy/blockchain-core-technology")) in inferred
    assert not (set(inferred) & set(asserted)), "the inferred graph repeats asserted triples"
    assert not any(p == OWL.sameAs for _, p, _ in inferred)


def test_every_minted_uri_is_described(built):
    """No dangling links: each project URI used as an object is the subject of some triple."""
    result, _ = built
    g = result.bundle.union()
    subjects = set(g.subjects())
    named = {str(u) for u in V.GRAPHS.values()}
    dangling = sorted({str(o) for o in g.objects() if isinstance(o, URIRef) and str(o).startswith(V.BASE)
                       and o not in subjects and str(o) not in named and "/dumps/" not in str(o)})
    assert dangling == []


def test_evidence_quotes_are_exact_substrings_of_the_release(built):
    result, _ = built
    g = result.bundle.union()
    text = SourceText.from_file(paths.DATA_DIR / "sources" / "release-2020-07-06.txt").text
    quotes = [str(o) for o in g.objects(None, V.OA.exact)]
    assert len(quotes) >= 30
    for q in quotes:
        assert q in text, q
    # every announced occupation and work type named in the release has a quote
    for s in g.subjects(V.CNOCC.introducedBy, None):
        if (s, V.DCTERMS.source, URIRef(V.BASE + "source/release-2020-07-06")) in g:
            assert g.value(s, V.CNOCC.evidence) is not None, s


def _csv(name: str) -> list[dict]:
    with (paths.DATA_DIR / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_every_row_cites_a_known_source():
    known = {r["id"] for r in _csv("sources.csv")}
    for table in paths.DATA_DIR.glob("*.csv"):
        if table.name == "sources.csv":
            continue
        for row in _csv(table.name):
            assert row["source"], (table.name, row)
            assert set(row["source"].split(";")) <= known, (table.name, row)


def test_unsourced_facts_are_not_published(built):
    """facts.md marks these NF, INF or conflicting: the graph must not state them."""
    result, _ = built
    g = result.bundle.union()

    def occ(name: str) -> URIRef:
        return next(s for s in g.subjects(SKOS.prefLabel, Literal(name, lang="zh")) if (s, RDF.type, V.CNOCC.Occupation) in g)

    for name in ("城市管理网格员", "信息安全测试员", "区块链应用操作员", "在线学习服务师", "增材制造设备操作员",
                 "防疫员", "消毒员", "公共场所卫生管理员", "网络与信息安全管理员"):
        assert g.value(occ(name), SKOS.notation) is None, name  # 2015-frame code not sourced
    for name in ("区块链工程技术人员", "互联网营销师", "公共卫生辅助服务员"):
        assert g.value(occ(name), SKOS.definition) is None, name  # definition NF or conflicting
    for name in ("小微信贷员", "泥板画创作员"):
        wt = next(g.subjects(SKOS.prefLabel, Literal(name, lang="zh")))
        assert g.value(wt, SKOS.broader) is None, name  # parent occupation NF
    same_as = {str(o) for o in g.objects(None, V.SCHEMA.sameAs)}
    assert same_as == {"http://www.wikidata.org/entity/Q1509446"}  # NBS only
    notice = URIRef(V.BASE + "notice/ren-she-ting-fa-2020-73")
    assert g.value(notice, V.DCTERMS.issued) is None  # notice date conflicts


def test_2015_edition_metadata(built):
    result, _ = built
    g = result.bundle.graphs["edition-2015"]
    scheme = URIRef("https://w3id.org/cnocc/2015")
    assert g.value(scheme, V.DCTERMS.issued) == Literal("2015-07-29", datatype=V.XSD.date)
    counts = {str(g.value(lv, SKOS.prefLabel)): int(g.value(lv, V.CNOCC.officialItemCount))
              for lv in g.subjects(RDF.type, V.XKOS.ClassificationLevel) if g.value(lv, V.CNOCC.officialItemCount)}
    by_depth = sorted((int(g.value(lv, V.XKOS.depth)), int(g.value(lv, V.CNOCC.officialItemCount)))
                      for lv in g.subjects(RDF.type, V.XKOS.ClassificationLevel) if g.value(lv, V.CNOCC.officialItemCount))
    assert by_depth == [(1, 8), (2, 75), (3, 434), (4, 1481)], counts
    majors = sorted(str(g.value(s, SKOS.notation)) for s in g.subjects(RDF.type, V.CNOCC.MajorGroup))
    assert majors == [str(i) for i in range(1, 9)]


def test_void_counts_match_the_graphs(built):
    result, _ = built
    meta = result.bundle.graphs["metadata"]
    for name, graph in result.bundle.graphs.items():
        if name == "metadata":
            continue
        assert meta.value(V.GRAPHS[name], V.VOID.triples).toPython() == len(graph), name


def test_jsonld_uses_the_published_context(built):
    _, out = built
    doc = json.loads((out / "cnocc.jsonld").read_text(encoding="utf-8"))
    ctx = json.loads((out / "context.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"] == ctx["@context"]
    blockchain = next(n for n in doc["@graph"] if n.get("id") == ITEM + "occupation/2-02-10-15")
    assert blockchain["code"] == "2-02-10-15"
    assert blockchain["name"]["zh"] == "区块链工程技术人员"
    assert blockchain["broader"] == ITEM + "minor-group/2-02-10"


def test_csv_views(built):
    _, out = built
    with (out / "occupations.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    keys = {(r["edition"], r["code"], r["name_zh"]) for r in rows}
    for table in ("occupations.csv", "2022/occupations.csv"):
        for o in _csv(table):
            assert (o["edition"], o["code"], o["name_zh"]) in keys, o
    by_key = {(r["edition"], r["name_zh"]): r for r in rows}
    assert by_key["2015", "社群健康助理员"]["code"] == "4-14-01-04"
    assert by_key["2015", "社群健康助理员"]["minor_group"] == "4-14-01"
    assert by_key["2022", "社群健康助理员"]["code"] == "4-14-04-04"
    assert by_key["2022", "网络主播"]["code"] == ""  # announced in 2024: no sourced code
    with (out / "edition-2022.csv").open(encoding="utf-8") as f:
        items = list(csv.DictReader(f))
    assert len(items) == len(_csv("2022/groups.csv")) + len(_csv("2022/occupations.csv"))
    marks = {r["code"]: r["marks"] for r in items if r["level"] == "occupation"}
    assert marks == {o["code"]: o["marks"] for o in _csv("2022/occupations.csv")}
    assert sum("S" in m for m in marks.values()) == 97 and sum("L" in m for m in marks.values()) == 134
    with (out / "work-types.csv").open(encoding="utf-8") as f:
        wts = {r["name_zh"]: r for r in csv.DictReader(f)}
    assert wts["直播销售员"]["parent_code"] == "4-01-02-07"
    assert len(wts) == len(_csv("work_types.csv"))


@pytest.mark.parametrize("text, expected", [
    ('<a> <p> "x"@zh-latn-pinyin .\n', '<a> <p> "x"@zh-Latn-pinyin .\n'),
    # a quote escaped inside a literal is not the end of one; a longer tag is another tag
    ('<a> <p> "say \\"@zh-latn-pinyin\\" here"@zh-latn-pinyin .\n<b> <p> "y"@zh-latn-pinyin-x .\n',
     '<a> <p> "say \\"@zh-latn-pinyin\\" here"@zh-Latn-pinyin .\n<b> <p> "y"@zh-latn-pinyin-x .\n'),
    ('<r xml:lang="zh-latn-pinyin">x</r>', '<r xml:lang="zh-Latn-pinyin">x</r>'),
])
def test_language_tags_get_their_case_back(text, expected):
    cases = {"zh-latn-pinyin": "zh-Latn-pinyin"}
    assert _restore_lang(text, cases) == expected
    # the serializers' UTF-8 bytes, around characters of several bytes each
    assert _restore_lang(f"区块{text}链".encode(), cases) == f"区块{expected}链".encode()


@pytest.mark.parametrize("value", [
    "plain", "区块链工程技术人员", 'a "quoted" \\ back\\slash', "tab\there\nnewline\x01", "",
    {"@id": "https://w3id.org/cnocc/2022/occupation/2-02-10-15"}, {"@id": 'odd "id"'},
    {"@language": "zh", "@value": "区块链"}, {"@type": "xsd:date", "@value": "2020-07-06"}, {"@id": 3},
])
def test_jsonld_sort_key_is_the_json_text(value):
    """Arrays in cnocc.jsonld are sorted by each value's JSON text; the fast path must write it
    exactly as json.dumps does, or the order (and the bytes) would change."""
    assert _order_key(value) == json.dumps(value, sort_keys=True, ensure_ascii=False)


def test_nquads_are_every_graphs_lines_sorted(tmp_path):
    """N-Quads are written by sorting each graph's lines with its name appended, relying on how
    such lines compare (`Bundle.nquads_lines`): the file must be exactly the sorted lines of every
    graph, a triple held by several graphs once per graph, each under its own graph."""
    import pyoxigraph as ox

    from cnocc.export import Bundle
    from cnocc.export.rdf import write_nquads
    from cnocc.model.terms import graph_node

    n = lambda x: ox.NamedNode(f"https://w3id.org/cnocc/test/{x}")
    shared = ox.Triple(n("a"), n("p"), ox.Literal("x", language="zh"))
    graphs = {
        "edition-2022": [shared, ox.Triple(n("a"), n("p"), ox.Literal("x")), ox.Triple(n("b"), n("p"), n("c"))],
        "inferred": [shared, ox.Triple(n("a"), n("q"), n("b"))],
        "mappings": [ox.Triple(n("a"), n("p"), n("c")), shared],
    }
    write_file(write_nquads, Bundle(graphs, {"@context": {}}), tmp_path / "x.nq")
    expected = sorted(f"{t} {graph_node(name)} .\n" for name, ts in graphs.items() for t in ts)
    assert (tmp_path / "x.nq").read_text(encoding="utf-8") == "".join(expected)
    assert sum(line.startswith(str(shared) + " ") for line in expected) == 3


def _trig_by_pyoxigraph(bundle) -> bytes:
    import pyoxigraph as ox

    from cnocc.model.vocab import PREFIX_IRIS as PREFIXES
    from cnocc.model.terms import graph_node

    quads = [ox.Quad(t.subject, t.predicate, t.object, graph_node(name))
             for name, ts in bundle.triples.items() for t in ts.values()]
    return _restore_lang(ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=PREFIXES), bundle.conv.lang_case)


def test_trig_is_pyoxigraphs_own(built, tmp_path):
    """TriG is put together from each graph's Turtle (`write_trig`): the real build's must be the
    very bytes pyoxigraph's TriG writer gives for the same quads."""
    from cnocc.export.rdf import write_trig

    write_file(write_trig, built[0].bundle, tmp_path / "x.trig")
    assert (tmp_path / "x.trig").read_bytes() == _trig_by_pyoxigraph(built[0].bundle)
    assert (tmp_path / "x.trig").read_bytes() == (built[1] / "cnocc.trig").read_bytes()


def test_trig_from_turtle_keeps_line_breaks_blank_nodes_and_empty_graphs(tmp_path):
    """The cases where indenting each graph's Turtle could go wrong: a literal with line breaks and
    tabs, blank nodes shared between graphs, a graph with nothing in it, a tag that gets its case back."""
    import pyoxigraph as ox

    from cnocc.export import Bundle
    from cnocc.export.rdf import write_trig
    from cnocc.model.terms import Converter

    n = lambda x: ox.NamedNode(f"https://w3id.org/cnocc/test/{x}")
    b = ox.BlankNode("b1")
    conv = Converter()
    conv.lang_case["zh-latn-pinyin"] = "zh-Latn-pinyin"
    graphs = {
        "announcements": [ox.Triple(n("a"), n("p"), ox.Literal("line 1\n\tline 2\r\n}")), ox.Triple(n("a"), n("q"), b)],
        "edition-2022": [ox.Triple(b, n("p"), ox.Literal("zhíyè", language="zh-latn-pinyin")),
                         ox.Triple(n("a"), ox.NamedNode("http://www.w3.org/2004/02/skos/core#notation"), ox.Literal("1"))],
        "mappings": [],
    }
    bundle = Bundle(graphs, {"@context": {}}, converter=conv)
    write_file(write_trig, bundle, tmp_path / "x.trig")
    text = (tmp_path / "x.trig").read_bytes()
    assert text == _trig_by_pyoxigraph(bundle)
    assert "zh-Latn-pinyin".encode() in text and b"mappings" not in text
