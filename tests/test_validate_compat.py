"""The rdflib and pyshacl internals that `cnocc.validate.compat` reaches into still behave as the compiled
shapes assume: this fails on an upgrade that moves or changes them, before a differential test does.

Expected answers come from pyshacl's public `validate` on a one-shape graph, literal by literal."""

from __future__ import annotations

import pytest
from pyshacl import validate
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

from cnocc.validate.compat import rdflib_accepts, rdflib_parses

SH = Namespace("http://www.w3.org/ns/shacl#")
EX = Namespace("http://example.org/")

CASES = [
    ("2020-07-06", XSD.date), ("2020-13-01", XSD.date), ("0000-01-01", XSD.date), ("12", XSD.positiveInteger),
    ("-1", XSD.positiveInteger), ("0", XSD.nonNegativeInteger), ("1.5", XSD.decimal), ("abc", XSD.integer),
    ("2020", XSD.gYear), ("2020-07", XSD.gYearMonth), ("true", XSD.boolean), ("999999999999", XSD.int),
]


def _pyshacl_conforms(lexical: str, datatype: URIRef) -> bool:
    shapes, data = Graph(), Graph()
    shape, prop = EX.S, BNode()
    shapes.add((shape, RDF.type, SH.NodeShape))
    shapes.add((shape, SH.targetNode, EX.x))
    shapes.add((shape, SH.property, prop))
    shapes.add((prop, SH.path, EX.p))
    shapes.add((prop, SH.datatype, datatype))
    data.add((EX.x, EX.p, Literal(lexical, datatype=datatype)))
    return validate(data, shacl_graph=shapes, inference="none")[0]


@pytest.mark.parametrize("lexical,datatype", CASES)
def test_rdflib_accepts_gives_pyshacls_datatype_verdict(lexical, datatype):
    assert rdflib_accepts(lexical, str(datatype)) == _pyshacl_conforms(lexical, datatype)


def test_rdflib_parses_the_xsd_types_it_converts_and_not_others():
    assert rdflib_parses(XSD.date) and rdflib_parses(XSD.integer)
    assert not rdflib_parses(URIRef("http://example.org/noSuchType"))
