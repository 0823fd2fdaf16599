"""pyshacl's answer as the same sorted `Violation`s the compiled shapes give, for the differential tests."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF

from cnocc.model.vocab import SH
from cnocc.validate.results import Unsupported, Violation, _norm, _sorted

# --- the reference ----------------------------------------------------------------------------------

def _path_value(g: Graph, node):
    if node is None or isinstance(node, URIRef):
        return node
    if (node, RDF.first, None) in g:
        return tuple(_path_value(g, x) for x in Collection(g, node))
    inv = g.value(node, SH.inversePath)
    if inv is not None:
        return ("^", inv)
    return node


def pyshacl_violations(data: Graph, shapes: Graph, inplace: bool = False) -> list[Violation]:
    """pyshacl's answer, run as cnocc.validate.report runs it, as sorted Violations.

    `inplace=True` only spares pyshacl its copy of the data graph (made in advanced mode for
    sh:rule, which writes to the data; with no rules nothing does): most of pyshacl's time when
    a shape has few focus nodes, as in the tests that validate many broken copies."""
    from pyshacl import validate as shacl_validate

    _, report, _ = shacl_validate(data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=False,
                                  inplace=inplace)
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        if report.value(r, SH.resultSeverity) != SH.Violation:
            raise Unsupported(f"pyshacl reported a {report.value(r, SH.resultSeverity)}")
        msgs = sorted({str(m) for m in report.objects(r, SH.resultMessage)})
        out.append(Violation(
            focus=_norm(report.value(r, SH.focusNode)),
            shape=report.value(r, SH.sourceShape),
            component=report.value(r, SH.sourceConstraintComponent),
            path=_path_value(report, report.value(r, SH.resultPath)),
            value=_norm(report.value(r, SH.value)),
            message="\n".join(msgs),
        ))
    return _sorted(out)
