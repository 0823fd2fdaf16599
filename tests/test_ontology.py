"""The ontology stays small and documented: each own term is labelled, explained and anchored."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from cnocc import paths
from cnocc.model.vocab import CNOCC

ONTOLOGY = Graph().parse(paths.ONTOLOGY_DIR / "cnocc.ttl")
TERMS = sorted(s for s in set(ONTOLOGY.subjects(RDF.type, None))
               if isinstance(s, URIRef) and str(s).startswith(str(CNOCC)))


def test_there_are_terms():
    assert len(TERMS) >= 10


@pytest.mark.parametrize("term", TERMS, ids=[t.split("#")[1] for t in TERMS])
def test_term_is_labelled_explained_and_anchored(term):
    langs = {lit.language for lit in ONTOLOGY.objects(term, RDFS.label)}
    assert {"zh", "en"} <= langs
    comment = ONTOLOGY.value(term, RDFS.comment)
    assert comment is not None and len(str(comment)) > 20
    if (term, RDF.type, OWL.Class) in ONTOLOGY:
        assert ONTOLOGY.value(term, RDFS.subClassOf) is not None, "a class refines a standard class"
    else:
        assert ONTOLOGY.value(term, RDFS.domain) is not None and ONTOLOGY.value(term, RDFS.range) is not None
        assert ONTOLOGY.value(term, RDFS.subPropertyOf) is not None or "refines nothing" in str(comment), \
            "a property refines a standard one, or says why none fits"


def test_every_own_term_used_in_the_data_is_defined(built):
    result, _ = built
    defined = set(TERMS)
    used = set()
    for name in ("edition-2015", "announcements"):
        for s, p, o in result.bundle.graphs[name]:
            used |= {t for t in (p, o) if isinstance(t, URIRef) and str(t).startswith(str(CNOCC))}
    assert used <= defined, sorted(used - defined)
