"""Checking the graphs against the SHACL shapes in `shapes/`: one entry point, which picks the engine.

The shapes are compiled to SPARQL (`compiler` for each shape's constraints, `sparql_constraints`
for sh:sparql, `messages` for pyshacl's default messages, `assemble` for a whole shapes graph)
and run inside a pyoxigraph store (`run`): the store does the work, one query per constraint.
pyshacl (`reference`) is the reference: it answers whenever the shapes use something the
compiler does not translate, or when asked for; the differential tests hold the two to the same
answers. `report` turns either answer into what a maintainer reads.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
from rdflib import Graph

from cnocc.model.terms import Converter
from cnocc.validate.assemble import compile_shapes
from cnocc.validate.reference import pyshacl_results
from cnocc.validate.report import Result, load_shapes, report_text, shape_name, store_results
from cnocc.validate.results import Unsupported
from cnocc.validate.run import validate_store

__all__ = ["ENGINES", "Result", "load_shapes", "report_text", "shape_name", "validate"]

ENGINES = ("auto", "pyshacl")


def validate(data: ox.Store | Graph, shapes: Graph, *, conv: Converter | None = None, graphs: list | None = None,
             as_rdflib: Callable[[], Graph] | None = None, engine: str = "auto") -> tuple[bool, list[Result], str]:
    """(conforms, results, how) for `data` against `shapes`.

    `data` is a pyoxigraph store (the union of `graphs`, its default graph unless given) filled
    by `conv`, the Converter that remembers literals as written; or an rdflib graph, put into a
    store here. `as_rdflib` gives the same data as an rdflib graph should pyshacl be needed.
    `engine` "auto" runs the compiled shapes and falls back to pyshacl only for shapes the
    compiler does not translate (`how` then says why, for the build's notes); "pyshacl" asks for
    the reference alone.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r}: one of {', '.join(ENGINES)}")
    if isinstance(data, Graph):
        graph = data
        as_rdflib = lambda: graph  # noqa: E731
        if engine == "auto":
            conv = conv or Converter()
            data = ox.Store()
            data.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in conv.triples(graph))
    if engine == "pyshacl":
        return (*pyshacl_results(as_rdflib(), shapes), "")
    try:
        violations = validate_store(data, graphs or [ox.DefaultGraph()], compile_shapes(shapes), written=conv)
    except Unsupported as exc:
        if as_rdflib is None:
            raise
        return (*pyshacl_results(as_rdflib(), shapes), f"validation with pyshacl: {exc}")
    results = store_results(violations, data, shapes, conv or Converter())
    return not results, results, ""
