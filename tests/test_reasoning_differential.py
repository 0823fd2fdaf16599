"""The store's OWL-RL rules against owlrl, the reference: the same inferred triples, or a refusal.

On the real data, on synthetic catalogues, and on small graphs written to hit each rule and each
corner (cycles, blank nodes, literals under sub-properties, equivalences, symmetric properties).
Where the store path must refuse (constructs it does not run, a functional property with two
values), the test checks that it does refuse, so the build falls back to owlrl.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from cnocc import paths
from cnocc.pipeline.build import LINKS, asserted_union
from cnocc.model.terms import Converter
from cnocc.reason.reference import infer, standard_axioms
from cnocc.reason.forward import Unsupported, infer_graph

EX = Namespace("http://example.org/")
CN = Namespace("https://w3id.org/cnocc/ontology#")


def as_lines(triples) -> set[str]:
    return {str(t) for t in triples}


def reference(asserted: Graph, axioms: Graph) -> set[str]:
    conv = Converter()
    return as_lines(ox.Triple(conv.to_ox(s), conv.to_ox(p), conv.to_ox(o)) for s, p, o in infer(asserted, axioms))


def assert_same(asserted: Graph, axioms: Graph) -> None:
    fast, ref = as_lines(infer_graph(asserted, axioms)), reference(asserted, axioms)
    assert fast == ref, (f"only the store: {sorted(fast - ref)[:10]}\nonly owlrl: {sorted(ref - fast)[:10]}")


@pytest.fixture(scope="module")
def axioms() -> Graph:
    return standard_axioms(paths.ONTOLOGY_DIR)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(paths.ONTOLOGY_DIR / "cnocc.ttl", format="turtle")


def test_real_data(built, axioms):
    result, _ = built
    graphs = {n: result.bundle.graphs[n] for n in result.bundle.triples if n not in ("inferred", "metadata")}
    national = asserted_union(graphs, exclude=LINKS)
    fast = as_lines(infer_graph(national, axioms))
    assert fast == as_lines(result.bundle.triples["inferred"].values())  # what the build published
    assert fast == reference(national, axioms)


def small(ontology: Graph, *triples) -> Graph:
    g = Graph()
    for t in ontology:
        g.add(t)
    for t in triples:
        g.add(t)
    return g


CASES = {
    "hierarchy with a cycle": [(EX.a, SKOS.broader, EX.b), (EX.b, SKOS.broader, EX.c), (EX.c, SKOS.broader, EX.a),
                               (EX.a, RDF.type, CN.Occupation)],
    "deep hierarchy": [(EX[f"n{i}"], SKOS.broader, EX[f"n{i + 1}"]) for i in range(12)],
    "blank nodes on both ends": [(BNode("x1"), SKOS.broader, EX.a), (EX.a, SKOS.broader, BNode("x2")),
                                 (BNode("x2"), CN.drives, EX.b)],
    "symmetric and transitive matches": [(EX.a, SKOS.exactMatch, EX.b), (EX.b, SKOS.exactMatch, EX.c),
                                         (EX.a, SKOS.related, EX.d), (EX.e, SKOS.broadMatch, EX.f)],
    "literals under sub-properties": [(EX.ann, CN.batchNumber, Literal("3", datatype=XSD.positiveInteger)),
                                      (EX.ann, CN.newOccupationCount, Literal("4", datatype=XSD.nonNegativeInteger)),
                                      (EX.c, CN.codeConfidence, Literal("C2")),
                                      (EX.c, CN.definitionConfidence, Literal("S1"))],
    "non-canonical numbers": [(EX.ann, CN.batchNumber, Literal("03", datatype=XSD.positiveInteger))],
    "domains, ranges and sub-classes": [(EX.w, CN.raisedTo, EX.o), (EX.o, CN.introducedBy, EX.ann),
                                        (EX.ann, CN.amends, EX.ed), (EX.org, RDF.type, URIRef("http://www.w3.org/ns/org#OrganizationalUnit"))],
    "inverse both ways": [(EX.p, CN.drives, EX.t), (EX.t2, CN.drivenBy, EX.p2),
                          (EX.u, URIRef("http://www.w3.org/ns/org#hasUnit"), EX.v)],
    "equivalences": [(EX.P, OWL.equivalentProperty, SKOS.broader), (EX.x, EX.P, EX.y),
                     (EX.C, OWL.equivalentClass, CN.Occupation), (EX.z, RDF.type, EX.C)],
    "top concepts": [(EX.scheme, SKOS.hasTopConcept, EX.top), (EX.t2, SKOS.topConceptOf, EX.scheme2)],
    # rules deriving schema: the closure has to run again with the schema it derived
    "derived sub-classes and inverses": [(EX.narrowerKind, RDFS.subPropertyOf, RDFS.subClassOf),
                                         (EX.Special, EX.narrowerKind, CN.Occupation), (EX.s, RDF.type, EX.Special),
                                         (EX.twin, RDFS.subPropertyOf, OWL.inverseOf), (EX.leads, EX.twin, EX.ledBy),
                                         (EX.a, EX.leads, EX.b)],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_cases(name, ontology, axioms):
    assert_same(small(ontology, *CASES[name]), axioms)


REFUSED = {
    "two batch numbers (owl:sameAs follows)": [(EX.ann, CN.batchNumber, Literal("3", datatype=XSD.positiveInteger)),
                                               (EX.ann, CN.batchNumber, Literal("4", datatype=XSD.positiveInteger))],
    "a class expression": [(EX.R, RDF.type, OWL.Restriction), (EX.R, OWL.onProperty, SKOS.broader),
                           (EX.R, OWL.someValuesFrom, CN.MinorGroup)],
    "owl:sameAs in the data": [(EX.a, OWL.sameAs, EX.b), (EX.a, SKOS.broader, EX.c)],
    "literals alike in the store": [(EX.ann, CN.batchNumber, Literal("3", datatype=XSD.positiveInteger)),
                                    (EX.ann, EX.other, Literal("3", datatype=XSD.integer)),
                                    (EX.other, RDFS.subPropertyOf, URIRef("https://schema.org/position"))],
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refuses_what_it_does_not_run(name, ontology, axioms):
    with pytest.raises(Unsupported):
        infer_graph(small(ontology, *REFUSED[name]), axioms)


@pytest.fixture(scope="module")
def synthetic_build(tmp_path_factory):
    from cnocc.pipeline.build import Project, make_graphs
    from benchmarks.synthetic import generate

    data = tmp_path_factory.mktemp("synthetic") / "data"
    generate(data, 8_000, seed=3)
    return make_graphs(Project(data=data))


def national_of(result) -> Graph:
    graphs = {n: result.bundle.graphs[n] for n in result.bundle.triples if n not in ("inferred", "metadata")}
    return asserted_union(graphs, exclude=LINKS)


def test_synthetic_catalogue(synthetic_build, axioms):
    national = national_of(synthetic_build)
    assert len(national) > 3_000
    assert as_lines(synthetic_build.bundle.triples["inferred"].values()) == reference(national, axioms)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_synthetic_catalogue_broken_at_random(synthetic_build, axioms, seed):
    """Links dropped, cycles and cross-links added, types removed at random: still owlrl's answer."""
    import random

    rng = random.Random(seed)
    g = national_of(synthetic_build)
    broader = sorted(g.subject_objects(SKOS.broader))
    for s, o in rng.sample(broader, 20):
        g.remove((s, SKOS.broader, o))
    for s, o in rng.sample(broader, 10):
        g.add((o, SKOS.broader, s))  # a two-node cycle
        g.add((s, SKOS.related, o))
    for s, _ in rng.sample(broader, 10):
        g.remove((s, RDF.type, None))
        g.add((s, CN.drivenBy, EX[f"policy{rng.randrange(5)}"]))
    assert_same(g, axioms)
