"""Content negotiation and the RDF twins of a page.

One table of formats drives the Accept header, the suffix twins (`.ttl`, `.jsonld` …) and the
`Link` header, so the three can never disagree. RDF is written by the build's own export writers,
so a resource's twin looks like its part of the dumps and is as deterministic.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from cnocc.export import Bundle
from cnocc.export.formats import PAGE_FORMATS, Format
from cnocc.export.formats import negotiate as negotiate_among
from cnocc.model.terms import from_ox as to_rdflib
from cnocc.model.vocab import new_graph

FORMATS = PAGE_FORMATS  # server preference order: a tie in the client's q-values goes to the earlier one
BY_KEY = {f.key: f for f in FORMATS}
BY_SUFFIX = {f.suffix: f for f in FORMATS}
HTML = BY_KEY["html"]


def negotiate(accept: str | None) -> Format | None:
    """The format to answer with, or None for 406. No Accept at all means a person: HTML."""
    return negotiate_among(accept, FORMATS)


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


def load_context(dist: Path) -> dict:
    """The published JSON-LD context of this build (its short keys), as the dumps use it."""
    path = dist / "context.jsonld"
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    from cnocc import paths  # a build without the file still gets the project's context
    return json.loads((paths.ONTOLOGY_DIR / "context.jsonld").read_text(encoding="utf-8"))


def serialize(g: Graph, fmt: Format, context: dict) -> str:
    out = io.BytesIO()
    fmt.write(Bundle.from_graphs({"resource": g}, context), out)
    return out.getvalue().decode("utf-8")

