"""The negative cases of the SHACL shapes: each breaks one thing in a copy of the real graph and names
the shape that must report it and the resource it must report (used by test_shapes, the pyshacl
and compiler differential tests and the Jena comparison)."""


from __future__ import annotations

import warnings
from collections.abc import Callable

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS

from cnocc import paths
from cnocc.graphs.mappings import record_id
from cnocc.sources.sssom import MappingRow
from cnocc.model.vocab import BASE, CNOCC, ELI, OA, SCHEMA, SH, XKOS, evidence

# --- resources of the real graph the cases break -------------------------------------------------

ED = URIRef(BASE + "2015")
LEVEL_MINOR = URIRef(BASE + "2015/minor-groups")
LEVEL_OCC = URIRef(BASE + "2015/occupations")
MAJOR_2 = URIRef(BASE + "2015/major-group/2")
MAJOR_4 = URIRef(BASE + "2015/major-group/4")
SUB_2_02 = URIRef(BASE + "2015/sub-major-group/2-02")
MINOR_2_02_10 = URIRef(BASE + "2015/minor-group/2-02-10")
OCC = URIRef(BASE + "2015/occupation/2-02-10-15")  # 区块链工程技术人员, coded, cites the release
EV_OCC = evidence("release-2020-07-06", "“区块链工程技术人员”")  # OCC's quote from the release
OCC_MARKETER = URIRef(BASE + "2015/occupation/4-01-02-07")  # 互联网营销师
OCC_GRID = URIRef(BASE + "2015/occupation/chengshi-guanli-wanggeyuan")  # no code, has a definition
WT_LIVE = URIRef(BASE + "2015/work-type/zhibo-xiaoshouyuan")  # under 4-01-02-07
WT_LOAN = URIRef(BASE + "2015/work-type/xiaowei-xindaiyuan")  # no parent: editorial note instead
ANN = URIRef(BASE + "announcement/2020-07-06")
CHAR_1 = URIRef(BASE + "announcement/2020-07-06/characteristic/1")
NOTICE = URIRef(BASE + "notice/ren-she-ting-fa-2020-73")
MOHRSS = URIRef(BASE + "agency/mohrss")
SAMR = URIRef(BASE + "agency/samr")
MOHRSS_OFFICE = URIRef(BASE + "agency/mohrss-general-office")
RELEASE = URIRef(BASE + "source/release-2020-07-06")
SHCN = URIRef(BASE + "source/shcn-2020-07-17")
LIUWEN = URIRef(BASE + "policy/liuwen")
LIUWEN_JIUYE = URIRef(BASE + "policy/liuwen-jiuye")
CYBER_LAW = URIRef(BASE + "policy/cybersecurity-law")
FIG_USERS = URIRef(BASE + "figure/online-marketing-users")  # schema:minValue
FIG_GROWTH = URIRef(BASE + "figure/online-marketing-workforce-growth")  # schema:value
DIGITAL_2022 = URIRef(BASE + "2022/digital-occupations")
LEVEL_OCC_2022 = URIRef(BASE + "2022/occupations")
OCC_2022_BLOCKCHAIN = URIRef(BASE + "2022/occupation/2-02-38-08")  # 区块链工程技术人员, marked S
MINOR_2022_DIGITAL = URIRef(BASE + "2022/minor-group/2-02-38")  # 数字技术工程技术人员

ISCO_2512 = URIRef("http://data.europa.eu/esco/isco/C2512")
SSSOM = Namespace("https://w3id.org/sssom/")
ISCO_SET = URIRef(BASE + "mappings/isco08")
# 区块链工程技术人员 (2015) broadMatch ISCO 2512, and 城市管理网格员 (2015) Not broadMatch 5419: real rows
MAP_OCC = URIRef(BASE + record_id(MappingRow(0, OCC, "", "skos:broadMatch", False, ISCO_2512, "")).split(":", 1)[1])
MAP_NOT = URIRef(BASE + record_id(MappingRow(0, OCC_GRID, "", "skos:broadMatch", True,
                                             URIRef("http://data.europa.eu/esco/isco/C5419"), "")).split(":", 1)[1])

SHAPES_FILE = paths.SHAPES_DIR / "cnocc-shapes.ttl"
# A plain Namespace: rdflib's closed XSD namespace warns when pytest probes module attributes.
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")




# --- the real graph and the shapes ----------------------------------------------------------------

def copy(g: Graph) -> Graph:
    g2 = Graph()
    g2 += g
    return g2


# --- small editing helpers ------------------------------------------------------------------------

def drop(g: Graph, s, p, o=None) -> None:
    """Remove (s, p, o), or every value of s's p when o is None; the triple(s) must exist."""
    before = len(g)
    g.remove((s, p, o))
    assert len(g) < before, f"mutation found nothing to remove: {s} {p} {o}"


def drop_lang(g: Graph, s, p, lang: str) -> None:
    lits = [o for o in g.objects(s, p) if isinstance(o, Literal) and o.language == lang]
    assert lits, f"{s} has no {p}@{lang}"
    for o in lits:
        g.remove((s, p, o))


def replace(g: Graph, s, p, o) -> None:
    drop(g, s, p)
    g.add((s, p, o))


def selector(g: Graph, ev: URIRef) -> URIRef:
    sel = g.value(ev, OA.hasSelector)
    assert sel is not None, f"{ev} has no selector"
    return sel


def bad_date(value: str) -> Literal:
    """An ill-formed xsd:date; rdflib keeps its lexical form and marks it ill-typed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lit = Literal(value, datatype=XSD.date)
    assert lit.ill_typed
    return lit


# --- the cases: (id, mutation, expected sh:name, expected focus) ----------------------------------

Mutation = Callable[[Graph], None]


CASES: list[tuple[str, Mutation, str, URIRef]] = [
    # edition
    ("edition-no-zh-name", lambda g: drop_lang(g, ED, SKOS.prefLabel, "zh"), "edition", ED),
    ("amended-edition-without-levels", lambda g: drop(g, ED, XKOS.levels), "edition", ED),
    ("edition-no-en-name", lambda g: drop_lang(g, ED, SKOS.prefLabel, "en"), "edition", ED),
    ("edition-two-issue-dates", lambda g: g.add((ED, DCTERMS.issued, Literal("2015-08-01", datatype=XSD.date))),
     "edition", ED),
    ("edition-creator-not-organization", lambda g: g.add((ED, DCTERMS.creator, RELEASE)), "edition", ED),
    # classification level
    ("level-no-depth", lambda g: drop(g, LEVEL_OCC, XKOS.depth), "classification level", LEVEL_OCC),
    ("level-no-zh-name", lambda g: drop_lang(g, LEVEL_OCC, SKOS.prefLabel, "zh"), "classification level", LEVEL_OCC),
    ("level-no-level-type", lambda g: drop(g, LEVEL_OCC, XKOS.organizedBy), "classification level", LEVEL_OCC),
    # concept
    ("concept-second-notation", lambda g: g.add((OCC, SKOS.notation, Literal("2-02-10-99"))), "concept", OCC),
    ("concept-two-zh-labels", lambda g: g.add((OCC, SKOS.prefLabel, Literal("区块链工程师", lang="zh"))), "concept", OCC),
    ("concept-two-schemes", lambda g: g.add((OCC, SKOS.inScheme, URIRef(BASE + "policy"))), "concept", OCC),
    ("concept-no-zh-name-no-note",
     lambda g: (drop_lang(g, LIUWEN, SKOS.prefLabel, "zh"), drop(g, LIUWEN, SKOS.editorialNote)), "concept", LIUWEN),
    # Items carry a zh-Latn-pinyin label too; pinyin is not a Chinese name, but sh:languageIn ("zh") matches it.
    ("concept-only-pinyin-name",
     lambda g: (drop_lang(g, OCC, SKOS.prefLabel, "zh"), drop(g, OCC, SKOS.editorialNote)), "concept", OCC),
    # named item
    ("named-item-no-zh-name",  # leaves only the en and zh-Latn-pinyin labels
     lambda g: drop_lang(g, OCC, SKOS.prefLabel, "zh"), "named item", OCC),
    ("named-item-no-name", lambda g: drop(g, WT_LIVE, SKOS.prefLabel), "named item", WT_LIVE),
    # declared totals (the 2022 edition is complete)
    ("digital-collection-short", lambda g: drop(g, DIGITAL_2022, SKOS.member, OCC_2022_BLOCKCHAIN), "declared totals",
     DIGITAL_2022),
    ("level-2022-short", lambda g: drop(g, LEVEL_OCC_2022, SKOS.member, OCC_2022_BLOCKCHAIN), "declared totals",
     LEVEL_OCC_2022),
    # minor group holds occupations
    ("minor-group-2022-empty", lambda g: [drop(g, o, SKOS.broader, MINOR_2022_DIGITAL)
                                          for o in list(g.subjects(SKOS.broader, MINOR_2022_DIGITAL))],
     "minor group holds occupations", MINOR_2022_DIGITAL),
    ("edition-silent-on-completeness", lambda g: drop(g, ED, CNOCC.complete), "edition", ED),
    # unique code
    ("unique-code-duplicate", lambda g: replace(g, OCC_MARKETER, SKOS.notation, Literal("2-02-10-15")),
     "unique code", ED),  # reported on the scheme, one result per shared code
    # code extends parent's code
    ("code-not-extending-parent", lambda g: replace(g, MINOR_2_02_10, SKOS.notation, Literal("2-03-10")),
     "code extends parent's code", MINOR_2_02_10),
    # parent at the level above
    ("occupation-broader-major-group", lambda g: replace(g, OCC, SKOS.broader, MAJOR_2),
     "parent at the level above", OCC),
    # no cycle in the hierarchy
    ("broader-cycle", lambda g: g.add((LIUWEN, SKOS.broader, LIUWEN_JIUYE)), "no cycle in the hierarchy", LIUWEN),
    # item in a level
    ("item-in-no-level", lambda g: drop(g, LEVEL_OCC, SKOS.member, OCC), "item in a level", OCC),
    ("item-in-two-levels", lambda g: g.add((LEVEL_MINOR, SKOS.member, OCC)), "item in a level", OCC),
    # 大类
    ("major-group-bad-code", lambda g: replace(g, MAJOR_2, SKOS.notation, Literal("9")), "大类 (major group)", MAJOR_2),
    ("major-group-with-parent", lambda g: g.add((MAJOR_2, SKOS.broader, MAJOR_4)), "大类 (major group)", MAJOR_2),
    ("major-group-not-top-concept", lambda g: drop(g, MAJOR_2, SKOS.topConceptOf), "大类 (major group)", MAJOR_2),
    # 中类
    ("sub-major-group-bad-code", lambda g: replace(g, SUB_2_02, SKOS.notation, Literal("2-2")),
     "中类 (sub-major group)", SUB_2_02),
    ("sub-major-group-no-parent", lambda g: drop(g, SUB_2_02, SKOS.broader), "中类 (sub-major group)", SUB_2_02),
    # 小类
    ("minor-group-bad-code", lambda g: replace(g, MINOR_2_02_10, SKOS.notation, Literal("2-02-1")),
     "小类 (minor group)", MINOR_2_02_10),
    ("minor-group-parent-is-major-group", lambda g: replace(g, MINOR_2_02_10, SKOS.broader, MAJOR_2),
     "小类 (minor group)", MINOR_2_02_10),
    # 职业
    ("occupation-bad-code", lambda g: replace(g, OCC, SKOS.notation, Literal("2-02-10-150")), "职业 (occupation)", OCC),
    ("occupation-parent-is-major-group", lambda g: replace(g, OCC, SKOS.broader, MAJOR_2), "职业 (occupation)", OCC),
    ("occupation-no-code-no-note", lambda g: drop(g, OCC_GRID, SKOS.editorialNote), "职业 (occupation)", OCC_GRID),
    # coded occupation
    ("coded-occupation-no-code-source", lambda g: drop(g, OCC, CNOCC.codeSource), "coded occupation", OCC),
    ("coded-occupation-no-parent", lambda g: drop(g, OCC, SKOS.broader), "coded occupation", OCC),
    # 工种
    ("work-type-with-code", lambda g: g.add((WT_LIVE, SKOS.notation, Literal("4-01-02-07-01"))),
     "工种 (work type)", WT_LIVE),
    ("work-type-parent-not-occupation", lambda g: replace(g, WT_LIVE, SKOS.broader, MINOR_2_02_10),
     "工种 (work type)", WT_LIVE),
    ("work-type-no-parent-no-note", lambda g: drop(g, WT_LOAN, SKOS.editorialNote), "工种 (work type)", WT_LOAN),
    # sourced definition
    ("definition-no-source", lambda g: drop(g, OCC_GRID, CNOCC.definitionSource), "sourced definition", OCC_GRID),
    ("definition-in-english", lambda g: g.add((OCC, SKOS.definition, Literal("A blockchain engineer.", lang="en"))),
     "sourced definition", OCC),
    # announced item
    ("introduced-by-not-announcement", lambda g: drop(g, ANN, RDF.type, CNOCC.Announcement), "announced item", OCC),
    # announcement
    ("announcement-wrong-occupation-count",
     lambda g: replace(g, ANN, CNOCC.newOccupationCount, Literal(10, datatype=XSD.nonNegativeInteger)),
     "announcement", ANN),
    ("announcement-wrong-work-type-count",
     lambda g: replace(g, ANN, CNOCC.newWorkTypeCount, Literal(4, datatype=XSD.nonNegativeInteger)),
     "announcement", ANN),
    ("announcement-wrong-raised-count",
     lambda g: replace(g, ANN, CNOCC.raisedWorkTypeCount, Literal(2, datatype=XSD.nonNegativeInteger)),
     "announcement", ANN),
    ("announcement-no-zh-title", lambda g: drop_lang(g, ANN, SKOS.prefLabel, "zh"), "announcement", ANN),
    ("announcement-agency-not-organization", lambda g: g.add((ANN, PROV.wasAssociatedWith, RELEASE)),
     "announcement", ANN),
    ("announcement-amends-nothing", lambda g: drop(g, ANN, CNOCC.amends), "announcement", ANN),
    ("announcement-two-batch-numbers",
     lambda g: g.add((ANN, CNOCC.batchNumber, Literal(4, datatype=XSD.positiveInteger))), "announcement", ANN),
    # notice
    ("notice-no-document-number", lambda g: drop(g, NOTICE, DCTERMS.identifier), "notice", NOTICE),
    ("notice-publisher-not-office", lambda g: g.add((NOTICE, DCTERMS.publisher, MOHRSS)), "notice", NOTICE),
    # agency
    ("agency-no-zh-name", lambda g: drop_lang(g, SAMR, SKOS.prefLabel, "zh"), "agency", SAMR),
    ("agency-two-en-names", lambda g: g.add((SAMR, SKOS.prefLabel, Literal("SAMR", lang="en"))), "agency", SAMR),
    ("agency-homepage-literal", lambda g: replace(g, SAMR, FOAF.homepage, Literal("https://www.samr.gov.cn")),
     "agency", SAMR),
    # office of an agency
    ("office-not-unit-of-agency", lambda g: drop(g, MOHRSS_OFFICE, ORG.unitOf), "office of an agency", MOHRSS_OFFICE),
    # source document
    ("document-no-title", lambda g: drop(g, SHCN, DCTERMS.title), "source document", SHCN),
    ("document-url-not-web", lambda g: replace(g, SHCN, SCHEMA.url, Literal("ftp://example.org/a", datatype=XSD.anyURI)),
     "source document", SHCN),
    # sourced resource
    ("concept-without-source", lambda g: drop(g, MAJOR_2, DCTERMS.source), "sourced resource", MAJOR_2),
    ("source-not-a-document",
     lambda g: replace(g, MAJOR_2, DCTERMS.source, URIRef(BASE + "source/undescribed")), "sourced resource", MAJOR_2),
    # evidence from the text
    ("release-cited-without-evidence", lambda g: drop(g, OCC, CNOCC.evidence, EV_OCC), "evidence from the text", OCC),
    # evidence quote
    ("quote-not-in-text", lambda g: replace(g, selector(g, EV_OCC), OA.exact, Literal("“区块链架构师”")),
     "evidence quote", EV_OCC),
    ("quote-empty", lambda g: replace(g, selector(g, EV_OCC), OA.exact, Literal("")),
     "evidence quote", EV_OCC),
    ("quote-source-without-text", lambda g: replace(g, EV_OCC, OA.hasSource, SHCN), "evidence quote", EV_OCC),
    ("quote-not-specific-resource", lambda g: drop(g, EV_OCC, RDF.type, OA.SpecificResource),
     "evidence quote", EV_OCC),
    # policy driver
    ("policy-drives-literal", lambda g: g.add((LIUWEN, CNOCC.drives, Literal("employment"))), "policy driver", LIUWEN),
    # characteristic of a batch
    ("characteristic-no-members", lambda g: drop(g, CHAR_1, SKOS.member), "characteristic of a batch", CHAR_1),
    ("characteristic-no-evidence", lambda g: drop(g, CHAR_1, CNOCC.evidence), "characteristic of a batch", CHAR_1),
    ("characteristic-orphan", lambda g: drop(g, ANN, CNOCC.hasCharacteristic, CHAR_1),
     "characteristic of a batch", CHAR_1),
    # quoted figure
    ("figure-value-and-minimum", lambda g: g.add((FIG_USERS, SCHEMA.value, Literal("800000000", datatype=XSD.decimal))),
     "quoted figure", FIG_USERS),
    ("figure-two-values", lambda g: g.add((FIG_GROWTH, SCHEMA.value, Literal("9.9", datatype=XSD.decimal))),
     "quoted figure", FIG_GROWTH),
    ("figure-no-unit", lambda g: drop(g, FIG_GROWTH, SCHEMA.unitText), "quoted figure", FIG_GROWTH),
    # well-formed dates
    ("issued-ill-formed-date", lambda g: replace(g, SHCN, DCTERMS.issued, bad_date("2015-13-45")),
     "well-formed dates", SHCN),
    ("created-ill-formed-date", lambda g: replace(g, LIUWEN, DCTERMS.created, bad_date("2018-02-30")),
     "well-formed dates", LIUWEN),
    ("document-date-not-xsd-date",
     lambda g: replace(g, CYBER_LAW, ELI.date_document, Literal("2016-11", datatype=XSD.gYearMonth)),
     "well-formed dates", CYBER_LAW),
    # confidence marks
    ("confidence-high", lambda g: replace(g, MAJOR_2, CNOCC.confidence, Literal("high")), "confidence marks", MAJOR_2),
    ("code-confidence-unknown", lambda g: replace(g, OCC, CNOCC.codeConfidence, Literal("C3")), "confidence marks", OCC),
    # links to ISCO-08 and ESCO
    ("isco-group-as-parent", lambda g: g.add((OCC, SKOS.broader, ISCO_2512)), "national parent", OCC),
    ("mapping-without-reason", lambda g: drop(g, MAP_OCC, RDFS.comment), "mapping record", MAP_OCC),
    ("mapping-target-not-in-snapshot",
     lambda g: replace(g, MAP_OCC, OWL.annotatedTarget, URIRef("http://data.europa.eu/esco/isco/C9999")),
     "mapping record", MAP_OCC),
    ("mapping-predicate-broader", lambda g: replace(g, MAP_OCC, OWL.annotatedProperty, SKOS.broader),
     "mapping record", MAP_OCC),
    ("mapping-confidence-above-one", lambda g: replace(g, MAP_OCC, SSSOM.confidence, Literal(1.5)),
     "mapping record", MAP_OCC),
    ("mapping-not-manual",
     lambda g: replace(g, MAP_OCC, SSSOM.mapping_justification, URIRef("https://w3id.org/semapv/vocab/LexicalMatching")),
     "mapping record", MAP_OCC),
    ("mapping-without-author", lambda g: drop(g, MAP_OCC, URIRef("http://purl.org/pav/authoredBy")),
     "mapping record", MAP_OCC),
    ("mapping-two-subjects", lambda g: g.add((MAP_OCC, OWL.annotatedSource, OCC_MARKETER)), "mapping record", MAP_OCC),
    ("positive-mapping-without-triple", lambda g: drop(g, OCC, SKOS.broadMatch, ISCO_2512),
     "mapping as a direct triple", MAP_OCC),
    ("negated-mapping-with-triple",
     lambda g: g.add((OCC_GRID, SKOS.broadMatch, URIRef("http://data.europa.eu/esco/isco/C5419"))),
     "mapping as a direct triple", MAP_NOT),
]


def only_shape(shapes: Graph, name: str) -> Graph:
    """The one node shape called `name`, with everything it holds and the prefixes its SPARQL uses.

    Each case validates against its own shape alone: the full set runs once on the real graph
    above, and a whole validation of both editions per case would make the suite crawl."""
    node = next(s for s in shapes.subjects(RDF.type, SH.NodeShape) if str(shapes.value(s, SH.name)) == name)
    out = Graph()
    todo = [node] + [s for s in shapes.subjects(SH.declare, None)]
    seen = set()
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        for t in shapes.triples((n, None, None)):
            out.add(t)
            if isinstance(t[2], BNode) or (t[1] == SH.prefixes):
                todo.append(t[2])
    return out
