"""What a validation found, as a person reads it: per problem the resource with its name, the shape
it breaks (by its sh:name) and a plain sentence; and the shapes graph, read from `shapes/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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


def shape_name(shapes: Graph, shape) -> str:
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


def store_results(violations, store, shapes: Graph, conv) -> list[Result]:
    """The compiled shapes' violations as `Result`s, names read from the store the data is in."""
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
            focus=str(v.focus), label=_label_of(store, focus), shape=shape_name(shapes, v.shape),
            path=shapes.namespace_manager.normalizeUri(path) if isinstance(path, URIRef) else "",
            message=v.message, value="" if value is None else str(value),
        ))
    results.sort(key=lambda x: (x.focus, x.shape, x.message, x.value))
    return results
