"""SHACL validation with pyshacl, and a report a person can read.

pyshacl's own text report is long and technical; a maintainer fixing data needs, per problem,
the resource (with its name), the shape it breaks and a plain sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from cnocc.model.vocab import SH


@dataclass(frozen=True)
class Result:
    focus: str
    label: str
    shape: str
    path: str
    message: str
    value: str

    def __str__(self) -> str:
        who = f"{self.focus} ({self.label})" if self.label else self.focus
        extra = f" [property {self.path}]" if self.path else ""
        val = f" [value {self.value}]" if self.value else ""
        return f"- {who}\n  breaks '{self.shape}': {self.message}{extra}{val}"


def load_shapes(shapes_dir: Path) -> Graph:
    g = Graph()
    for f in sorted(shapes_dir.glob("*.ttl")):
        g.parse(f, format="turtle")
    return g


def _shape_name(shapes: Graph, shape) -> str:
    name = shapes.value(shape, SH.name)
    if name is None:  # a property shape: name it after the node shape that holds it
        parent = shapes.value(None, SH.property, shape)
        if parent is not None:
            name = shapes.value(parent, SH.name)
            if name is None:
                name = shapes.namespace_manager.normalizeUri(parent)
    if name is None and isinstance(shape, URIRef):
        name = shapes.namespace_manager.normalizeUri(shape)
    return str(name) if name is not None else "(unnamed shape)"


def validate(data: Graph, shapes: Graph) -> tuple[bool, list[Result]]:
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
            focus=str(focus), label=str(label or ""), shape=_shape_name(shapes, report.value(r, SH.sourceShape)),
            path=data.namespace_manager.normalizeUri(path) if isinstance(path, URIRef) else "",
            message=str(report.value(r, SH.resultMessage) or ""), value="" if value is None else str(value),
        ))
    results.sort(key=lambda x: (x.focus, x.shape, x.message, x.value))
    return bool(conforms), results


def report_text(results: list[Result]) -> str:
    if not results:
        return "The graph conforms to every shape."
    return f"The graph does not conform: {len(results)} problem(s).\n" + "\n".join(str(r) for r in results)


def _label_of(store, node, lang: str = "zh") -> str:
    import pyoxigraph as ox

    if not isinstance(node, (ox.NamedNode, ox.BlankNode)):
        return ""
    for q in store.quads_for_pattern(node, ox.NamedNode(str(SKOS.prefLabel)), None):
        if isinstance(q.object, ox.Literal) and q.object.language == lang:
            return q.object.value
    return ""


def validate_in_store(store, data_graphs: list, shapes: Graph, union: Callable[[], Graph], conv) -> tuple[bool, list[Result], str]:
    """Validate the store's `data_graphs` with the shapes compiled to SPARQL.

    Falls back to pyshacl on `union()` (an rdflib copy of the same data) when the shapes use
    something the compiler does not cover; the third value says so, for the build's notes.
    """
    from cnocc.validate import compiler as shacl_sparql

    try:
        compiled = shacl_sparql.compile_shapes(shapes)
        violations = shacl_sparql.validate_store(store, data_graphs, compiled, written=conv)
    except shacl_sparql.Unsupported as exc:
        conforms, results = validate(union(), shapes)
        return conforms, results, f"validation with pyshacl: {exc}"
    results = []
    for v in violations:
        focus = conv.to_ox(v.focus) if v.focus is not None else None
        value = v.value
        if value is not None and not isinstance(value, URIRef) and str(value).startswith("http"):
            value = URIRef(str(value))
        if isinstance(value, URIRef):
            name = _label_of(store, conv.to_ox(value))
            value = f"{value} ({name})" if name else value
        path = v.path
        results.append(Result(
            focus=str(v.focus), label=_label_of(store, focus), shape=_shape_name(shapes, v.shape),
            path=shapes.namespace_manager.normalizeUri(path) if isinstance(path, URIRef) else "",
            message=v.message, value="" if value is None else str(value),
        ))
    results.sort(key=lambda x: (x.focus, x.shape, x.message, x.value))
    return not results, results, ""
