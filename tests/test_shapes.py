"""Negative tests for the SHACL shapes: every node shape must catch a targeted breakage.

The real graph is built once; each case copies it, breaks one thing with rdflib, validates once
and checks that the expected shape reports the expected resource. A shape in
shapes/cnocc-shapes.ttl without a case here makes `test_every_shape_has_a_negative_case` fail.
"""

from __future__ import annotations


import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from cnocc.validate import Result
from cnocc.validate.reference import pyshacl_results as validate
from cnocc.model.vocab import SH
from shape_cases import CASES, SHAPES_FILE, copy, only_shape

# --- tests ----------------------------------------------------------------------------------------

def describe(results: list[Result]) -> str:
    return "\n".join(f"  {r.shape} | {r.focus} | {r.message} | {r.path} | {r.value}" for r in results) or "  (none)"


def test_real_graph_conforms(real):
    g, shapes = real
    conforms, results = validate(g, shapes)
    assert conforms, "the real graph breaks the shapes:\n" + describe(results)
    assert results == []


@pytest.mark.parametrize(("mutate", "shape", "focus"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_shape_reports_breakage(real, mutate, shape, focus):
    g, shapes = real
    broken = copy(g)
    mutate(broken)
    conforms, results = validate(broken, only_shape(shapes, shape))
    assert not conforms, "the broken graph still conforms"
    # the broken resource is the focus node, or (for shapes checking a whole scheme at once) the value
    hits = [r for r in results if r.shape == shape and str(focus) in (r.focus, r.value.split(" ", 1)[0])]
    assert hits, f"no result of shape '{shape}' on {focus}; results were:\n" + describe(results)


def test_every_shape_has_a_negative_case():
    shapes = Graph().parse(SHAPES_FILE, format="turtle")
    names = {str(n) for s in shapes.subjects(RDF.type, SH.NodeShape) for n in shapes.objects(s, SH.name)}
    unnamed = [s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)
               and shapes.value(s, SH.name) is None]
    assert not unnamed, f"node shapes without sh:name: {unnamed}"
    covered = {c[2] for c in CASES}
    assert not names - covered, f"shapes without a negative test: {sorted(names - covered)}"
    assert not covered - names, f"cases name shapes that do not exist: {sorted(covered - names)}"


def test_case_ids_are_unique():
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))
