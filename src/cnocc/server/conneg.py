"""Content negotiation and the RDF twins of a page.

One table of formats drives the Accept header, the suffix twins (`.ttl`, `.jsonld` …) and the
`Link` header, so the three can never disagree. RDF is written by the build's own export writers,
so a resource's twin looks like its part of the dumps and is as deterministic.
"""

from __future__ import annotations

import io

import json
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from cnocc.export import writers as exports
from cnocc.model.vocab import new_graph
from cnocc.server.accept import media_ranges


@dataclass(frozen=True)
class Format:
    key: str
    media_type: str
    suffix: str
    content_type: str


FORMATS = (  # server preference order: a tie in the client's q-values goes to the earlier one
    Format("html", "text/html", ".html", "text/html; charset=utf-8"),
    Format("turtle", "text/turtle", ".ttl", "text/turtle; charset=utf-8"),
    Format("jsonld", "application/ld+json", ".jsonld", "application/ld+json"),
    Format("nt", "application/n-triples", ".nt", "application/n-triples; charset=utf-8"),
    Format("rdfxml", "application/rdf+xml", ".rdf", "application/rdf+xml; charset=utf-8"),
)
BY_KEY = {f.key: f for f in FORMATS}
BY_SUFFIX = {f.suffix: f for f in FORMATS}
# types clients send for the same thing; matched like the canonical type, never announced
ALIASES = {"application/xhtml+xml": "html", "application/json": "jsonld", "application/x-turtle": "turtle"}
HTML = BY_KEY["html"]


def _q_for(fmt: Format, ranges: list[tuple[str, float]]) -> float | None:
    """The q of the most specific range matching `fmt` (RFC 9110 §12.5.1), None if none does."""
    names = {fmt.media_type} | {a for a, k in ALIASES.items() if k == fmt.key}
    best: tuple[int, float] | None = None
    kind = fmt.media_type.split("/")[0]
    for mtype, q in ranges:
        if mtype in names:
            spec = 2
        elif mtype == f"{kind}/*":  # aliases take no part in wildcards: application/* is not HTML
            spec = 1
        elif mtype == "*/*":
            spec = 0
        else:
            continue
        if best is None or spec > best[0] or (spec == best[0] and q > best[1]):
            best = (spec, q)
    return None if best is None else best[1]


def negotiate(accept: str | None) -> Format | None:
    """The format to answer with, or None for 406. No Accept at all means a person: HTML."""
    if not accept or not accept.strip():
        return HTML
    ranges = media_ranges(accept)
    if not ranges:
        return HTML
    scored = [(q, -i, f) for i, f in enumerate(FORMATS) if (q := _q_for(f, ranges)) is not None and q > 0]
    return max(scored, key=lambda t: (t[0], t[1]))[2] if scored else None


def split_suffix(path: str) -> tuple[str, Format | None]:
    """`2022/occupation/x.ttl` -> (`2022/occupation/x`, turtle); no known suffix -> (path, None)."""
    for suffix, fmt in BY_SUFFIX.items():
        if path.endswith(suffix) and len(path) > len(suffix):
            return path[: -len(suffix)], fmt
    return path, None


def link_header(href: str) -> str:
    """`Link` alternates of the resource at server path `href` (the twins, by suffix)."""
    parts = [f'<{href}{f.suffix}>; rel="alternate"; type="{f.media_type}"' for f in FORMATS]
    return ", ".join(parts)


# --- RDF of one resource -------------------------------------------------------------------------

LABELS = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title",
    "https://schema.org/name",
)
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def to_rdflib(term):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    dt = term.datatype.value
    return Literal(term.value) if dt in (XSD_STRING, LANG_STRING) else Literal(term.value, datatype=URIRef(dt))


def describe(store: ox.Store, subjects: list[ox.NamedNode]) -> Graph:
    """What a client gets for a URI: every statement about it in any graph, the blank nodes it
    owns (e.g. the `xkos:levels` list), and the labels of what it links to, so the twin reads
    on its own without a second request per link."""
    g = new_graph()
    seen_b: set[str] = set()
    todo: list = list(subjects)
    linked: set[str] = set()
    while todo:
        s = todo.pop()
        for q in store.quads_for_pattern(s, None, None, None):
            g.add((to_rdflib(q.subject), URIRef(q.predicate.value), to_rdflib(q.object)))
            o = q.object
            if isinstance(o, ox.BlankNode) and o.value not in seen_b:
                seen_b.add(o.value)
                todo.append(o)
            elif isinstance(o, ox.NamedNode):
                linked.add(o.value)
    own = {s.value for s in subjects}
    for uri in sorted(linked - own):
        node = ox.NamedNode(uri)
        for p in LABELS:
            for q in store.quads_for_pattern(node, ox.NamedNode(p), None, None):
                g.add((URIRef(uri), URIRef(p), to_rdflib(q.object)))
    return g


class _Sink:
    """Stands in for the `Path` the export writers write to, keeping the text in memory.

    Writers either hand over the whole text (`write_text`, or `write_bytes` in UTF-8) or stream it
    (`open`, in text or binary mode)."""

    text = ""

    def write_text(self, text: str, encoding: str = "utf-8") -> None:
        self.text = text

    def write_bytes(self, data: bytes) -> None:
        self.text = data.decode("utf-8")

    def open(self, mode: str = "w", encoding: str = "utf-8") -> "io.IOBase":
        return _SinkBytes(self) if "b" in mode else _SinkFile(self)


class _SinkFile(io.StringIO):
    def __init__(self, sink: _Sink):
        super().__init__()
        self.sink = sink

    def close(self) -> None:
        self.sink.text = self.getvalue()
        super().close()


class _SinkBytes(io.BytesIO):
    def __init__(self, sink: _Sink):
        super().__init__()
        self.sink = sink

    def close(self) -> None:
        self.sink.text = self.getvalue().decode("utf-8")
        super().close()


WRITERS = {
    "turtle": exports.write_turtle,
    "jsonld": exports.write_jsonld,
    "nt": exports.write_ntriples,
    "rdfxml": exports.write_rdfxml,
}


def load_context(dist: Path) -> dict:
    """The published JSON-LD context of this build (its short keys), as the dumps use it."""
    path = dist / "context.jsonld"
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    from cnocc import paths  # a build without the file still gets the project's context
    return json.loads((paths.PROJECT_ROOT / "ontology" / "context.jsonld").read_text(encoding="utf-8"))


def serialize(g: Graph, fmt: Format, context: dict) -> str:
    sink = _Sink()
    WRITERS[fmt.key](exports.Bundle.from_graphs({"resource": g}, context), sink)
    return sink.text

