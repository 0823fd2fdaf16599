"""Moving terms and graphs between rdflib and pyoxigraph.

The tables become rdflib graphs (the code that says what each row means stays readable), but
everything that scales with the catalogue — reasoning, validation, export — runs in a pyoxigraph
store. Converting a term costs a few microseconds, so terms are converted once each and cached:
predicates, classes and schemes repeat on almost every triple.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from cnocc.model.vocab import GRAPHS, uri

_XSD_STRING = str(XSD.string)
_XSD = str(XSD)
_VERBATIM = {_XSD_STRING, str(XSD.anyURI)}


class Converter:
    """Two-way term conversion with a cache each way; one per build, dropped afterwards."""

    def __init__(self) -> None:
        self._to: dict = {}
        self._from: dict = {}
        # Typed XSD literals by subject and property, as written: the store keeps numbers and booleans in canonical
        # form (and integer subtypes as xsd:integer), so what comes back out is mapped back to these.
        self.typed: dict = {}
        # pyoxigraph lower-cases language tags (RDF allows it); the dumps keep the tags as written.
        self.lang_case: dict[str, str] = {}

    def to_ox(self, t):
        try:
            return self._to[t]
        except KeyError:
            pass
        if isinstance(t, URIRef):
            o = ox.NamedNode(str(t))
        elif isinstance(t, Literal):
            o = self._literal(t)
        elif isinstance(t, BNode):
            o = ox.BlankNode(str(t))
        else:
            raise TypeError(f"cannot store {t!r}")
        self._to[t] = o
        return o

    def _literal(self, t: Literal) -> ox.Literal:
        if t.language:
            o = ox.Literal(str(t), language=t.language)
            if o.language != t.language:
                self.lang_case[o.language] = t.language
            return o
        if t.datatype is not None and str(t.datatype) != _XSD_STRING:
            return ox.Literal(str(t), datatype=self.to_ox(t.datatype))
        return ox.Literal(str(t))

    def from_ox(self, o):
        try:
            return self._from[o]
        except KeyError:
            pass
        t = from_ox(o, self.lang_case)
        self._from[o] = t
        return t

    def triples(self, g: Iterable) -> list[ox.Triple]:
        """Each triple converted, its typed XSD literals recorded (see `typed`).

        A literal is converted afresh, not looked up: nearly every one is distinct, and rdflib
        hashes and compares a Literal in Python, which cost a fifth of the conversion."""
        get, to, literal = self._to.get, self.to_ox, self._literal
        typed = self.typed
        out = []
        for s, p, o in g:
            so = get(s)
            if so is None:
                so = to(s)
            po = get(p)
            if po is None:
                po = to(p)
            if isinstance(o, Literal):
                oo = literal(o)
                if o.datatype is not None:
                    dt = str(o.datatype)
                    if dt.startswith(_XSD) and dt not in _VERBATIM:
                        typed.setdefault((so, po), set()).add(oo)
            else:
                oo = get(o)
                if oo is None:
                    oo = to(o)
            out.append(ox.Triple(so, po, oo))
        return out

    def record(self, triples: Iterable) -> None:
        """Remember the typed XSD literals of pyoxigraph triples or quads as written (see `typed`), for
        data parsed straight into a store rather than converted from rdflib."""
        typed = self.typed
        for t in triples:
            o = t.object
            if isinstance(o, ox.Literal) and not o.language:
                dt = o.datatype.value
                if dt.startswith(_XSD) and dt not in _VERBATIM:
                    typed.setdefault((t.subject, t.predicate), set()).add(o)

    def quads(self, g: Iterable, graph_name: ox.NamedNode | ox.DefaultGraph) -> Iterable[ox.Quad]:
        for t in self.triples(g):
            yield ox.Quad(t.subject, t.predicate, t.object, graph_name)

    def graph(self, triples: Iterable, g: Graph | None = None) -> Graph:
        """An rdflib graph of pyoxigraph triples or quads (their graph name is dropped)."""
        out = g if g is not None else Graph()
        fr = self.from_ox
        add = out.add
        for t in triples:
            add((fr(t.subject), fr(t.predicate), fr(t.object)))
        return out


def from_ox(o, lang_case: dict[str, str] | None = None):
    """One pyoxigraph term as rdflib's, without a cache (a server's terms are unbounded); `lang_case`
    puts back the case of language tags the store lower-cased."""
    if isinstance(o, ox.NamedNode):
        return URIRef(o.value)
    if isinstance(o, ox.Literal):
        if o.language:
            return Literal(o.value, lang=(lang_case or {}).get(o.language, o.language))
        if o.datatype.value == _XSD_STRING:
            return Literal(o.value)
        return Literal(o.value, datatype=URIRef(o.datatype.value))
    if isinstance(o, ox.BlankNode):
        return BNode(o.value)
    raise TypeError(f"cannot convert {o!r}")


def graph_node(name: str) -> ox.NamedNode:
    return ox.NamedNode(str(GRAPHS.get(name, uri("graph", name))))


def convert_graphs(graphs: dict[str, Iterable], conv: Converter) -> dict[str, list[ox.Triple]]:
    return {name: conv.triples(graphs[name]) for name in sorted(graphs)}


def add_graphs(store: ox.Store, triples: dict[str, list[ox.Triple]]) -> None:
    """Each graph into the store as the named graph cnocc publishes it under."""
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, g)
                      for name, ts in triples.items() for g in (graph_node(name),) for t in ts)


def load_graphs(store: ox.Store, graphs: dict[str, Iterable], conv: Converter) -> dict[str, list[ox.Triple]]:
    """Put each graph (rdflib triples) into the store as the named graph cnocc publishes it under."""
    out = convert_graphs(graphs, conv)
    add_graphs(store, out)
    return out
