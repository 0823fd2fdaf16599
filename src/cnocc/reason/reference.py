"""OWL-RL closure with owlrl, kept apart from the asserted graphs.

Users who want only what the sources say take the asserted graphs; users who want narrower,
transitive broader, inverse and class memberships ready-made add the inferred graph. The closure
runs over the asserted data plus the standard vocabularies' axioms (`ontology/imports/`).
"""

from __future__ import annotations

from pathlib import Path

import owlrl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from cnocc.model.vocab import new_graph

# Triples OWL-RL derives for every resource alike; they say nothing about cnocc's data.
TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual, RDFS.Class, OWL.Class, RDF.Property,
                 OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}


def standard_axioms(ontology_dir: Path) -> Graph:
    g = Graph()
    for f in sorted((ontology_dir / "imports").glob("*.ttl")):
        g.parse(f, format="turtle")
    return g


def _keep(t: tuple, vocab_terms: set) -> bool:
    s, p, o = t
    if not isinstance(s, URIRef) or isinstance(s, Literal):
        return False
    if s in vocab_terms:
        return False  # facts about the vocabularies themselves belong to the ontology, not the data
    if p in (OWL.sameAs, OWL.differentFrom, OWL.disjointWith) or (p == RDF.type and o == RDFS.Datatype):
        return False
    if p == RDF.type and o in TRIVIAL_TYPES:
        return False
    if p in (RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty,
             RDFS.domain, RDFS.range, OWL.inverseOf):
        return False
    return True


def infer(asserted: Graph, axioms: Graph) -> Graph:
    """Return only the new, non-trivial triples that OWL-RL derives from `asserted`."""
    work = Graph()
    for t in asserted:
        work.add(t)
    for t in axioms:
        work.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(work)
    vocab_terms = {s for s in axioms.subjects()} | {s for s, p, o in asserted if p == RDF.type and o in
                                                    (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.Ontology)}
    out = new_graph()
    for t in work:
        if t not in asserted and t not in axioms and _keep(t, vocab_terms):
            out.add(t)
    return out
