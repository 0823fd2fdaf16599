"""The shapes compiled to SPARQL (cnocc.validate.compiler) give pyshacl's answers, result for result.

pyshacl is the reference: every test validates the same data with both and compares the sorted
violations (focus, source shape, component, path, value, message). Messages are compared where
pyshacl's text can be known without pyshacl: wherever the shape (or the SPARQL constraint) has
sh:message, and for default messages that name no blank node (pyshacl prints a blank node by
walking the data graph) and come from a component whose default text this module reproduces
(`EXACT_GENERIC_MESSAGES`; sh:in's lists a Python set in hash order, for one), unless the value
has a language tag (the store lower-cases tags; pyshacl prints them as written).

The data: (a) the real build, as its named graphs; (b) every broken copy of tests/test_shapes.py,
each against its own shape as that test runs it; (c) small graphs written here to break many
components at once, against the real shapes and against shapes written here for what the real
ones do not use; (d) a synthetic catalogue from benchmarks/synthetic, lightly broken.

pyshacl is slow, so its answers for (a) and (b) are computed once, by worker processes forked from
this one where there are processors to spare; the broken copies are the real graph changed in
place and changed back (in the store too), and pyshacl runs in place (see `pyshacl_violations`).
"""

from __future__ import annotations

import multiprocessing
import os
import random
import warnings
from contextlib import contextmanager
from dataclasses import replace

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS

from cnocc import paths
from cnocc.pipeline.build import DERIVED, Project, asserted_union, make_graphs
from cnocc.model.terms import Converter, graph_node, load_graphs
from recording import Recording
from cnocc.validate.assemble import compile_shapes
from cnocc.validate.common import EXACT_GENERIC_MESSAGES
from cnocc.validate.results import Unsupported, Violation, sort_key
from cnocc.validate.run import validate_store
from pyshacl_oracle import pyshacl_violations
from cnocc.model.vocab import SH
from shape_cases import CASES, only_shape

XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
ONTOLOGY = paths.PROJECT_ROOT / "ontology" / "cnocc.ttl"


# --- comparing ----------------------------------------------------------------------------------

def _message_known(v: Violation, shapes: Graph) -> bool:
    if v.component == SH.SPARQLConstraintComponent or (v.shape, SH.message, None) in shapes:
        return True
    if isinstance(v.value, Literal) and v.value.language:
        return False  # the store lower-cases language tags, and pyshacl prints them as written
    return v.component in EXACT_GENERIC_MESSAGES and not isinstance(v.focus, BNode) \
        and not isinstance(v.value, BNode)


def comparable(vs: list[Violation], shapes: Graph) -> list[Violation]:
    return sorted((v if _message_known(v, shapes) else replace(v, message="") for v in vs), key=sort_key)


def describe(vs: list[Violation]) -> str:
    return "\n".join(f"    {v.focus} | {v.shape} | {v.component.split('#')[-1]} | {v.path} | {v.value!r} | {v.message}"
                     for v in vs) or "    (none)"


def assert_same(reference: list[Violation], got: list[Violation], shapes: Graph) -> None:
    ref, out = comparable(reference, shapes), comparable(got, shapes)
    if ref != out:
        missing = [v for v in ref if v not in out]
        extra = [v for v in out if v not in ref]
        pytest.fail(f"the store disagrees with pyshacl\n  only pyshacl:\n{describe(missing)}\n"
                    f"  only the store:\n{describe(extra)}")


def in_store(graphs: dict[str, Graph]) -> tuple[ox.Store, list[ox.NamedNode], Converter]:
    """A fresh store holding the graphs under their published names, as the build loads them."""
    store, conv = ox.Store(), Converter()
    load_graphs(store, graphs, conv)
    return store, [graph_node(n) for n in sorted(graphs)], conv


def store_violations(graphs: dict[str, Graph], compiled) -> list[Violation]:
    store, names, conv = in_store(graphs)
    return validate_store(store, names, compiled, written=conv)


def check(data: Graph | dict[str, Graph], shapes: Graph) -> list[Violation]:
    graphs = data if isinstance(data, dict) else {"data": data}
    reference = pyshacl_violations(asserted_union(graphs), shapes)
    assert_same(reference, store_violations(graphs, compile_shapes(shapes)), shapes)
    return reference


# --- broken copies without copying ---------------------------------------------------------------

@contextmanager
def broken(g: Graph, mutate):
    rec = Recording(g)
    try:
        mutate(rec)
        yield rec
    finally:
        rec.undo()


@contextmanager
def changed(store: ox.Store, conv: Converter, graph: ox.NamedNode, added: set, removed: set):
    """The store (and the Converter's record of typed literals) with the same change, undone after."""
    to = conv.to_ox

    def quads(triples):
        return [ox.Quad(to(s), to(p), to(o), graph) for s, p, o in triples]

    removed_quads, added_graph = quads(removed), Graph()
    for t in added:
        added_graph.add(t)
    added_quads = list(conv.quads(added_graph, graph))  # records the typed literals as written
    forgotten = []
    for q in removed_quads:
        store.remove(q)
        typed = conv.typed.get((q.subject, q.predicate))
        if typed and q.object in typed:
            typed.discard(q.object)
            forgotten.append(q)
    for q in added_quads:
        store.add(q)
    try:
        yield
    finally:
        for q in added_quads:
            store.remove(q)
            conv.typed.get((q.subject, q.predicate), set()).discard(q.object)
        for q in removed_quads:
            store.add(q)
        for q in forgotten:
            conv.typed.setdefault((q.subject, q.predicate), set()).add(q.object)


# --- pyshacl's answers for (a) and (b), computed once (in parallel where there are processors) ---

_FORKED: dict = {}


def _reference(job):
    """pyshacl on the real graph, or on one broken case against its own shape. In place: pyshacl
    writes nothing with inference off and no rules, and its copy of the data is most of its time."""
    g, shapes = _FORKED["real"]
    if job == "real":
        return pyshacl_violations(g, shapes, inplace=True)
    _, mutate, shape, _ = CASES[job]
    with broken(g, mutate) as b:
        return pyshacl_violations(b, only_shape(shapes, shape), inplace=True)


@pytest.fixture(scope="module")
def references(real):
    _FORKED["real"] = real
    jobs = ["real", *range(len(CASES))]
    workers = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 4)
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads: the workers only use rdflib
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                answers = pool.map_async(_reference, jobs, chunksize=1).get(timeout=900)
    else:
        answers = [_reference(j) for j in jobs]
    return dict(zip(jobs, answers))


# --- (a) the real build -------------------------------------------------------------------------

def test_real_build(built, real, references):
    graphs = {n: g for n, g in built[0].bundle.graphs.items() if n not in DERIVED}
    compiled = compile_shapes(real[1])
    assert len(compiled.checks) > 100 and len(compiled.sparql_checks) >= 10  # the whole shapes file compiles
    assert_same(references["real"], store_violations(graphs, compiled), real[1])


# --- (b) every broken copy of tests/test_shapes.py ----------------------------------------------

@pytest.fixture(scope="module")
def real_store(real):
    return in_store({"data": real[0]})


_compiled_by_shape: dict = {}


@pytest.mark.parametrize("case", range(len(CASES)), ids=[c[0] for c in CASES])
def test_broken_case(real, real_store, references, case):
    g, shapes = real
    store, names, conv = real_store
    _, mutate, shape, _ = CASES[case]
    sub = only_shape(shapes, shape)
    if shape not in _compiled_by_shape:
        _compiled_by_shape[shape] = compile_shapes(sub)
    reference = references[case]
    assert reference, "pyshacl finds nothing wrong: the case no longer breaks its shape"
    with broken(g, mutate) as b, changed(store, conv, names[0], b.added, b.removed):
        got = validate_store(store, names, _compiled_by_shape[shape], written=conv)
    assert_same(reference, got, sub)


# --- (c) graphs broken on purpose, against the real shapes --------------------------------------

PREFIXES = """
@prefix t: <https://w3id.org/cnocc/test/> .
@prefix x: <http://example.org/x/> .
@prefix cnocc: <https://w3id.org/cnocc/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix eli: <http://data.europa.eu/eli/ontology#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix pav: <http://purl.org/pav/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix semapv: <https://w3id.org/semapv/vocab/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix sssom: <https://w3id.org/sssom/> .
@prefix xkos: <http://rdf-vocabulary.ddialliance.org/xkos#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
"""

# Every resource below breaks several shapes; the comments say what pyshacl should find.
BROKEN = PREFIXES + """
x:Ministry rdfs:subClassOf org:FormalOrganization .          # an agency class only by sub-classing

t:doc1 a foaf:Document ; dcterms:title "Doc" ; schema:text "文本包含“甲乙”和其他内容" ;
    schema:url "https://a.example/1"^^xsd:anyURI , "ftp://b.example/2"^^xsd:anyURI ;   # two urls, one not web
    dcterms:issued "2020-02-30"^^xsd:date ;                  # ill-formed date: no datatype of the sh:or fits
    eli:date_document "2016-11"^^xsd:gYearMonth ;            # not an xsd:date
    eli:first_date_entry_in_force "2016-11-07"^^xsd:date .
t:doc2 a foaf:Document ; schema:url "http://c.example/" .    # no title nor number; url a plain string
t:notice a cnocc:Notice ; dcterms:identifier "X〔2020〕1号" , "Y" ; dcterms:title "A" , "B" ;
    dcterms:publisher t:agency1 , t:office1 .                 # an agency is not an office; no source

t:agency1 a x:Ministry ; dcterms:source t:doc1 ;
    skos:prefLabel "部"@zh , "Ministry"@en , "The Ministry"@en , "Bu"@zh-Latn-pinyin , "Bù"@zh-Latn-pinyin ;
    foaf:homepage "https://min.example" , <https://min2.example> .
t:office1 a org:OrganizationalUnit ; skos:prefLabel "办公厅"@zh ; org:unitOf t:notanorg ; dcterms:source t:doc1 .
t:agency2 a org:FormalOrganization ; skos:prefLabel "Agency two"@en ; dcterms:source t:undescribed .

t:ed a skos:ConceptScheme ; xkos:levels ( t:lvl1 t:lvl2 ) ;
    skos:prefLabel "Edition"@en , "Bǎnběn"@zh-Latn-pinyin ;   # pinyin is no Chinese name
    dcterms:issued "2020-13-45"^^xsd:date , "2021-01-01"^^xsd:date ;
    xkos:numberOfLevels "abc"^^xsd:positiveInteger ;
    dcterms:creator t:agency1 , t:doc2 ;
    xkos:supersedes t:ed2 , t:old ;
    cnocc:complete "maybe" ;                                  # a string, not a boolean
    cnocc:officialItemCount 3 .
t:ed2 a skos:ConceptScheme ; xkos:levels ( t:lvl3 ) ; cnocc:complete true ; skos:prefLabel "二"@zh , "Two"@en ;
    dcterms:issued "2022-01-01"^^xsd:date ; xkos:numberOfLevels 1 ; dcterms:creator t:agency2 .
t:old a x:Thing .

t:lvl1 a xkos:ClassificationLevel ; xkos:depth 1 , 2 ; skos:prefLabel "一级"@zh ; xkos:organizedBy t:lt ;
    skos:member t:mg1 , t:occ1 ; cnocc:officialItemCount 2 .
t:lvl2 a xkos:ClassificationLevel ; xkos:depth "2"^^xsd:integer ;  # not a positiveInteger as written
    skos:prefLabel "二级"@zh-Latn .
t:lvl3 a xkos:ClassificationLevel ; xkos:depth "0"^^xsd:positiveInteger ; skos:prefLabel "三级"@zh ;
    xkos:organizedBy t:lt ; skos:member t:mg2 , t:mg2b , t:occ2 , t:occ1 ; cnocc:officialItemCount 1 .

t:mg1 a cnocc:MinorGroup ; skos:inScheme t:ed ; skos:notation "1-01-1" ; skos:prefLabel "小类甲"@zh ;
    dcterms:source t:doc1 .
t:mg2 a cnocc:MinorGroup ; skos:inScheme t:ed2 ; skos:notation "2-02-02" ; skos:prefLabel "小类乙"@zh , "小类丙"@zh ;
    skos:broader t:smg ; dcterms:source t:doc1 ; cnocc:evidence t:ev1 .
t:mg2b a cnocc:MinorGroup ; skos:inScheme t:ed2 ; skos:notation "2-03-03" ; skos:prefLabel "空小类"@zh ;
    skos:broader t:smg ; dcterms:source t:doc1 ; cnocc:evidence t:ev1 .
t:mg99 a cnocc:MinorGroup ; skos:inScheme t:ed2 ; skos:notation "2-03-99" ; skos:prefLabel "其他"@zh ;
    skos:broader t:smg ; dcterms:source t:doc1 ; cnocc:evidence t:ev1 .
t:smg a cnocc:SubMajorGroup ; skos:inScheme t:ed2 ; skos:notation "2-03" ; skos:prefLabel "中类"@zh ;
    skos:broader t:mg2 ; dcterms:source t:doc1 ; cnocc:evidence t:ev1 .
t:occ1 a cnocc:Occupation ; skos:inScheme t:ed , t:ed2 ; skos:notation "1-01-01-01" , "1-01-01-02" ;
    skos:prefLabel "职业甲"@zh ; skos:broader t:mg1 , <http://data.europa.eu/esco/isco/C2512> ;
    cnocc:confidence "high" , "C2"@en ; cnocc:codeConfidence "S1" ;
    skos:definition "定义"@zh-Latn , "Dingyi"@zh-Latn-pinyin ;
    dcterms:source t:doc1 ; cnocc:introducedBy t:ann1 , t:ann2 ; cnocc:evidence t:ev2 .
t:occ2 a cnocc:Occupation , x:Other ; skos:inScheme t:ed2 ; skos:prefLabel "Occupation two"@en ;
    skos:editorialNote "no Chinese name sourced" ; skos:broader t:mg2 ; dcterms:source t:doc1 ; cnocc:evidence t:ev1 .
t:wt1 a cnocc:WorkType ; skos:inScheme t:ed2 ; skos:notation "x" ; skos:prefLabel "工种"@zh ;
    skos:broader t:occ2 , t:occ1 ; dcterms:source t:doc1 ; cnocc:introducedBy t:ann1 .
t:wt2 a cnocc:WorkType ; skos:inScheme t:ed2 ; skos:notation "2-02-02" ; skos:prefLabel "工种乙"@zh ;
    skos:editorialNote "n" ; dcterms:source t:doc1 ; cnocc:raisedTo t:occ1 .

t:ann1 a cnocc:Announcement ; skos:prefLabel "公告"@zh ; dcterms:issued "2020-07"^^xsd:gYearMonth ;
    cnocc:amends t:ed , t:ed2 ; cnocc:batchNumber "1"^^xsd:integer ; prov:wasAssociatedWith t:agency1 ;
    cnocc:notice t:doc3 ; cnocc:newOccupationCount 3 ; cnocc:newWorkTypeCount 2 ; cnocc:raisedWorkTypeCount 0 ;
    cnocc:hasCharacteristic t:char1 ; dcterms:source t:doc1 ; cnocc:evidence t:ev1 .
t:char1 a cnocc:Characteristic ; skos:member t:occ1 , t:doc1 ; dcterms:source t:doc1 .
t:char2 a cnocc:Characteristic ; cnocc:evidence t:ev1 .

t:ev1 a oa:SpecificResource ; oa:hasSource t:doc1 ; oa:hasSelector [ oa:exact "甲乙" ] .
t:ev2 oa:hasSource t:doc2 , t:doc1 ; oa:hasSelector [ oa:exact "" ] , [ oa:exact "不存在" ] .

t:figA a schema:QuantitativeValue ; schema:value 10 ; schema:minValue 5 ; schema:unitText "人" ;
    cnocc:evidence t:ev1 ; dcterms:source t:doc1 .
[] a schema:MonetaryAmount ; cnocc:evidence t:ev1 ; dcterms:source t:doc1 .
t:figC a schema:QuantitativeValue ; schema:value "abc"^^xsd:decimal ; schema:unitText "元" ; dcterms:source t:doc1 .

t:pol a cnocc:PolicyDriver ; skos:prefLabel "政策"@zh ; skos:inScheme t:ed2 ; skos:editorialNote "n" ;
    cnocc:drives t:occ1 , "employment" , [ a x:Thing ] ; dcterms:source t:doc1 .

t:set a sssom:MappingSet ; sssom:mappings t:m1 , t:m2 .
t:m1 owl:annotatedSource t:occ1 , t:occ2 ; owl:annotatedProperty skos:broader ;
    owl:annotatedTarget <http://data.europa.eu/esco/isco/C2512> ;
    sssom:mapping_justification semapv:LexicalMatching ; sssom:confidence 1.5 ;
    pav:authoredBy "me" ; dcterms:created "2024-01-01"^^xsd:date ; rdfs:comment "why" .
t:m2 owl:annotatedSource x:external ; owl:annotatedProperty skos:exactMatch ; owl:annotatedTarget t:lvl1 ;
    sssom:predicate_modifier sssom:NegatedPredicate ; sssom:mapping_justification semapv:ManualMappingCuration ;
    sssom:confidence "high" .
x:external skos:exactMatch t:lvl1 .
"""

# What BROKEN must break, so that the comparison cannot pass by both sides finding nothing.
BROKEN_COMPONENTS = {SH[n + "ConstraintComponent"] for n in (
    "Class", "Datatype", "NodeKind", "MinCount", "MaxCount", "In", "Pattern", "HasValue", "MaxInclusive",
    "MinInclusive", "MinLength", "UniqueLang", "Not", "Or", "Xone", "QualifiedMinCount", "QualifiedMaxCount",
    "SPARQL")}


def broken_graph() -> Graph:
    g = Graph()
    g.parse(ONTOLOGY, format="turtle")  # the sub-class axioms, as in the build's asserted graphs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rdflib warns about each ill-formed literal
        g.parse(data=BROKEN, format="turtle")
    return g


def test_broken_on_purpose(real):
    _, shapes = real
    g = broken_graph()
    reference = check(g, shapes)
    assert pyshacl_violations(g, shapes, inplace=True) == reference  # what (a) and (b) rely on
    found = {v.component for v in reference}
    assert BROKEN_COMPONENTS <= found, f"not broken any more: {sorted(BROKEN_COMPONENTS - found)}"
    assert any(isinstance(v.focus, BNode) for v in reference) and any(isinstance(v.value, BNode) for v in reference)


def test_broken_across_named_graphs(real):
    """The same data split over named graphs that share triples: the union is a set, not a bag."""
    _, shapes = real
    g = broken_graph()
    triples = sorted(g, key=lambda t: tuple(map(str, t)))
    parts = {"a": Graph(), "b": Graph(), "c": Graph()}
    for i, t in enumerate(triples):
        parts["abc"[i % 3]].add(t)
        if i % 4 == 0:
            parts["abc"[(i + 1) % 3]].add(t)  # a quarter of the triples are in two graphs
    check(parts, shapes)


# Shapes for what the real shapes do not use, without messages (pyshacl's default texts).
EXTRA_SHAPES = PREFIXES + """
@prefix s: <http://example.org/shapes/> .
s:Nodes a sh:NodeShape ; sh:targetNode t:a , t:b , "lit" , 42 ;
    sh:nodeKind sh:BlankNodeOrIRI ; sh:not [ sh:class x:Banned ] ;
    sh:and ( [ sh:path x:p ; sh:minCount 2 ] [ sh:path x:q ; sh:maxCount 1 ] ) .
s:Values a sh:NodeShape ; sh:targetSubjectsOf x:p ;
    sh:property [ sh:path x:p ; sh:maxLength 3 ; sh:minExclusive 0 ; sh:maxExclusive 10 ] ,
                [ sh:path x:q ; sh:pattern "^ab" ; sh:flags "i" ; sh:datatype rdf:langString ] ,
                [ sh:path x:r ; sh:in ( x:one x:two ) ; sh:class x:C , x:D ; sh:hasValue x:one ] ,
                [ sh:path ( x:r [ sh:inversePath x:s ] ) ; sh:nodeKind sh:Literal ; sh:minCount 1 ] ,
                [ sh:path x:q ; sh:languageIn ( "*" ) ; sh:uniqueLang false ; sh:datatype rdfs:Literal ] ,
                [ sh:path x:p ; sh:qualifiedValueShape [ sh:datatype xsd:integer ] ; sh:qualifiedMaxCount 1 ;
                  sh:qualifiedMinCount 2 ] ,
                [ sh:path x:t ; sh:pattern "^[a-z]+$" ; sh:minLength 0 ] .
s:Objects a sh:PropertyShape ; sh:targetObjectsOf x:r ; sh:path x:name ; sh:minCount 1 ;
    sh:or ( [ sh:datatype xsd:string ] [ sh:datatype xsd:date ] ) .
"""
EXTRA_DATA = PREFIXES + """
x:D rdfs:subClassOf x:C .
t:a x:p 1 , 2 , "abcd" , 20 ; x:q "AB"@en , "ab"@EN , "cd" ; x:r x:one , x:three ; x:t "ok" , "no\\n" , "Not" , "x$" .
t:b a x:Banned ; x:q "x" .
t:c x:p -1 ; x:r [ a x:D ] .
x:one a x:D ; x:name "one" , "2020-02-30"^^xsd:date .
x:three x:name "three"@en .
[] x:s x:one .
"""


def test_components_the_real_shapes_do_not_use():
    shapes = Graph().parse(data=EXTRA_SHAPES, format="turtle")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = Graph().parse(data=EXTRA_DATA, format="turtle")
    reference = check(data, shapes)
    assert len({v.component for v in reference}) >= 12


# An OPTIONAL that reads $this runs in bulk only when $this is bound before it. In the sub-select of
# s:Bound it is, and the three nodes are miscounted either way. In s:Free it is not: in bulk, t:b,
# with nothing to count, would get no row, where pre-bound it gets a count of 0. In s:Unlinked,
# run in bulk, t:k1's link to t:a would hide it from t:b and t:c.
SUBSELECT = """
SELECT $this ?found WHERE {{ $this x:declared ?d .
    {{ SELECT $this (COUNT(DISTINCT ?m) AS ?found) WHERE {{ {bind}OPTIONAL {{ $this x:member ?m }} }} GROUP BY $this }}
    FILTER (?found != ?d) }}"""
UNLINKED = """
SELECT $this ?x WHERE { ?x x:kind x:K . OPTIONAL { ?x x:link $this . BIND (true AS ?linked) }
    $this x:declared ?d . FILTER (!BOUND(?linked)) }"""
OPTIONAL_SHAPES = PREFIXES + """
@prefix s: <http://example.org/shapes/> .
s:Bound a sh:NodeShape ; sh:targetSubjectsOf x:declared ; sh:sparql [ sh:prefixes s:decl ; sh:select \"\"\"%s\"\"\" ] .
s:Free a sh:NodeShape ; sh:targetSubjectsOf x:declared ; sh:sparql [ sh:prefixes s:decl ; sh:select \"\"\"%s\"\"\" ] .
s:Unlinked a sh:NodeShape ; sh:targetSubjectsOf x:declared ; sh:sparql [ sh:prefixes s:decl ; sh:select \"\"\"%s\"\"\" ] .
s:decl sh:declare [ sh:prefix "x" ; sh:namespace "http://example.org/x/"^^xsd:anyURI ] .
""" % (SUBSELECT.format(bind="$this x:declared [ ] . "), SUBSELECT.format(bind=""), UNLINKED)
OPTIONAL_DATA = PREFIXES + """
t:a x:declared 2 ; x:member t:m1 .
t:b x:declared 1 .
t:c x:declared 1 ; x:member t:m1 , t:m2 .
t:k1 x:kind x:K ; x:link t:a .
t:k2 x:kind x:K .
"""


def test_optional_reading_this_runs_in_bulk_only_when_this_is_bound_first():
    shapes = Graph().parse(data=OPTIONAL_SHAPES, format="turtle")
    compiled = compile_shapes(shapes)
    bulk = {str(sc.shape).rsplit("/", 1)[-1]: sc.bulk_query is not None for sc in compiled.sparql_checks}
    assert bulk == {"Bound": True, "Free": False, "Unlinked": False}
    reference = check(Graph().parse(data=OPTIONAL_DATA, format="turtle"), shapes)
    found = sorted((str(v.focus).rsplit("/", 1)[-1], str(v.shape).rsplit("/", 1)[-1]) for v in reference)
    assert found == [("a", "Bound"), ("a", "Free"), ("a", "Unlinked"), ("b", "Bound"), ("b", "Free"),
                     ("b", "Unlinked"), ("b", "Unlinked"), ("c", "Bound"), ("c", "Free"), ("c", "Unlinked"),
                     ("c", "Unlinked")]


UNSUPPORTED = {
    "sh:node": "s:S a sh:NodeShape ; sh:targetNode t:a ; sh:node s:T . s:T a sh:NodeShape ; sh:minLength 1 .",
    "sh:closed": "s:S a sh:NodeShape ; sh:targetNode t:a ; sh:closed true .",
    "sh:equals": "s:S a sh:NodeShape ; sh:targetNode t:a ; sh:property [ sh:path x:p ; sh:equals x:q ] .",
    "sh:deactivated": "s:S a sh:NodeShape ; sh:targetNode t:a ; sh:deactivated true ; sh:nodeKind sh:IRI .",
    "severity": "s:S a sh:NodeShape ; sh:targetNode t:a ; sh:severity sh:Warning ; sh:nodeKind sh:IRI .",
    "alternative path": "s:S a sh:NodeShape ; sh:targetNode t:a ; sh:property [ sh:path [ sh:alternativePath ( x:p x:q ) ] ; sh:minCount 1 ] .",
    "zero-or-more path": "s:S a sh:NodeShape ; sh:targetNode t:a ; sh:property [ sh:path [ sh:zeroOrMorePath x:p ] ; sh:minCount 1 ] .",
    "SPARQL target": "s:S a sh:NodeShape ; sh:target [ a sh:SPARQLTarget ; sh:select \"SELECT ?this WHERE { ?this ?p ?o }\" ] ; sh:nodeKind sh:IRI .",
    "rule": "s:S a sh:NodeShape ; sh:targetNode t:a ; sh:rule [ a sh:TripleRule ; sh:subject sh:this ; sh:predicate x:p ; sh:object x:q ] .",
    "implicit class target": "s:S a sh:NodeShape , rdfs:Class ; sh:nodeKind sh:IRI .",
    "custom component": "x:C a sh:ConstraintComponent ; sh:parameter [ sh:path x:foo ] .",
    "disjoint qualified": "s:S a sh:NodeShape ; sh:targetNode t:a ; sh:property [ sh:path x:p ; sh:qualifiedValueShape [ sh:nodeKind sh:IRI ] ; sh:qualifiedMinCount 1 ; sh:qualifiedValueShapesDisjoint true ] .",
    "sparql on a property shape": "s:S a sh:NodeShape ; sh:targetNode t:a ; sh:property [ sh:path x:p ; sh:sparql [ sh:select \"SELECT $this WHERE { $this ?p ?o }\" ] ] .",
    "$PATH": "s:S a sh:PropertyShape ; sh:targetNode t:a ; sh:path x:p ; sh:sparql [ sh:select \"SELECT $this WHERE { $this $PATH ?o }\" ] .",
}


@pytest.mark.parametrize("snippet", UNSUPPORTED.values(), ids=list(UNSUPPORTED))
def test_unsupported_features_are_refused(snippet):
    shapes = Graph().parse(data=PREFIXES + "@prefix s: <http://example.org/shapes/> .\n" + snippet, format="turtle")
    with pytest.raises(Unsupported):
        compile_shapes(shapes)


def test_integer_subtypes_need_the_literals_as_written(real):
    """The store keeps "2"^^xsd:integer and "2"^^xsd:positiveInteger as one term: only the
    Converter's record of what was written tells them apart (see STORE_LIMITS)."""
    _, shapes = real
    g = broken_graph()
    store, names, conv = in_store({"data": g})
    compiled = compile_shapes(shapes)
    blind = validate_store(store, names, compiled)
    seeing = validate_store(store, names, compiled, written=conv)
    lvl2 = URIRef("https://w3id.org/cnocc/test/lvl2")
    depth = [v for v in seeing if v.focus == lvl2 and v.component == SH.DatatypeConstraintComponent]
    assert depth and not [v for v in blind if v.focus == lvl2 and v.component == SH.DatatypeConstraintComponent]
    assert compiled.blind_spots


# --- (d) a synthetic catalogue --------------------------------------------------------------------

def _break_synthetic(g: Graph) -> None:
    """A few breakages spread over a catalogue whose resources this test does not know by name."""
    rnd = random.Random(7)
    concepts = sorted(set(g.subjects(RDF.type, SKOS.Concept)) | set(g.subjects(SKOS.inScheme, None)), key=str)
    for c in rnd.sample(concepts, 4):
        for lab in list(g.objects(c, SKOS.prefLabel)):
            if isinstance(lab, Literal) and lab.language == "zh":
                g.remove((c, SKOS.prefLabel, lab))
    for c in rnd.sample(concepts, 3):
        g.add((c, SKOS.notation, Literal(f"9-{rnd.randint(10, 99)}")))
        g.add((c, SKOS.prefLabel, Literal("重复", lang="zh")))
    dated = sorted(g.subjects(URIRef("http://purl.org/dc/terms/issued"), None), key=str)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for d in dated[:2]:
            g.set((d, URIRef("http://purl.org/dc/terms/issued"), Literal("2019-02-29", datatype=XSD.date)))


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    from benchmarks import synthetic
    out = tmp_path_factory.mktemp("synthetic") / "data"
    synthetic.generate(out, 6000, seed=3)
    result = make_graphs(Project(data=out))
    return {n: g for n, g in result.bundle.graphs.items() if n not in DERIVED}


def test_synthetic_catalogue(synthetic, real):
    _, shapes = real
    assert sum(len(g) for g in synthetic.values()) > 3000
    check(synthetic, shapes)  # as built: conforms, on both sides


def test_synthetic_catalogue_broken(synthetic, real):
    _, shapes = real
    union = asserted_union(synthetic)
    _break_synthetic(union)
    assert check(union, shapes)
