"""Validation by pyshacl, the reference implementation of SHACL, with its report read into `Result`s.

The build and `cnocc validate` run the shapes compiled to SPARQL (`compiler`, `run`); pyshacl
answers whenever the shapes use something the compiler does not translate, or when asked for
(`cnocc validate --engine pyshacl`). Its report is long and technical; a maintainer fixing data
needs, per problem, the resource with its name, the shape it breaks and a plain sentence.
"""

from __future__ import annotations

from pyshacl import validate as shacl_validate
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from cnocc.model.vocab import SH
from cnocc.validate.report import Result, shape_name


def pyshacl_results(data: Graph, shapes: Graph) -> tuple[bool, list[Result]]:
    conforms, report, _ = shacl_validate(data, shacl_graph=shapes, inference="none", advanced=True,
                                         allow_warnings=False)
    results = []
    for r in report.subjects(predicate=None, object=SH.ValidationResult, unique=True):
        if (r, None, SH.ValidationResult) not in report:
            continue
        focus = report.value(r, SH.focusNode)
        label = data.value(focus, SKOS.prefLabel) if focus is not None else None
        for lit in data.objects(focus, SKOS.prefLabel):
            if getattr(lit, "language", None) == "zh":
                label = lit
        path = report.value(r, SH.resultPath)
        value = report.value(r, SH.value)
        if value is not None and not isinstance(value, URIRef) and str(value).startswith("http"):
            value = URIRef(str(value))  # a shape that reports an item by its IRI as a string
        if isinstance(value, URIRef):
            names = [lit for lit in data.objects(value, SKOS.prefLabel) if getattr(lit, "language", None) == "zh"]
            value = f"{value} ({names[0]})" if names else value
        results.append(Result(
            focus=str(focus), label=str(label or ""), shape=shape_name(shapes, report.value(r, SH.sourceShape)),
            path=data.namespace_manager.normalizeUri(path) if isinstance(path, URIRef) else "",
            message=str(report.value(r, SH.resultMessage) or ""), value="" if value is None else str(value),
        ))
    results.sort(key=lambda x: (x.focus, x.shape, x.message, x.value))
    return bool(conforms), results
