"""What the exports are written from: the built graphs as pyoxigraph triples, each graph sorted by its
N-Triples line, their union, and the JSON-LD context."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import RDF

from cnocc.model import vocab as V
from cnocc.model.terms import Converter, graph_node
from cnocc.model.vocab import new_graph

SSSOM_TSV = "text/tab-separated-values"
PREFIXES = V.PREFIX_IRIS  # the one prefix map (cnocc.model.vocab), as pyoxigraph's writers take it
RDF_TYPE = str(RDF.type)
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _sorted(triples: Iterable[ox.Triple]) -> dict[str, ox.Triple]:
    """Triples keyed by their N-Triples line, in line order (duplicates fall away)."""
    d = {str(t): t for t in triples}
    return {k: d[k] for k in sorted(d)}


class Bundle:
    """What the exports are written from: the named graphs (as pyoxigraph triples) and the context.

    `graphs` gives rdflib views for code and tests that read the build with rdflib; they are made
    on first use only, since converting a million triples back costs more than writing them.
    """

    def __init__(self, triples: dict[str, Iterable[ox.Triple]], context: dict,
                 verbatim: dict[str, tuple[str, str]] | None = None, rdflib_graphs: dict[str, Graph] | None = None,
                 converter: Converter | None = None, store: ox.Store | None = None):
        self.triples = {name: _sorted(ts) for name, ts in sorted(triples.items())}
        self.context = context
        self.verbatim = verbatim or {}  # file -> (media type, text), e.g. SSSOM
        self.conv = converter or Converter()
        self._graphs: dict[str, Graph] = dict(rdflib_graphs or {})
        self._union: tuple[list[str], list[ox.Triple]] | None = None
        self._store = store
        self._turtle: dict[str, bytes] = {}

    @classmethod
    def from_graphs(cls, graphs: dict[str, Graph], context: dict) -> "Bundle":
        conv = Converter()
        to = conv.to_ox
        triples = {name: [ox.Triple(to(s), to(p), to(o)) for s, p, o in g] for name, g in graphs.items()}
        return cls(triples, context, rdflib_graphs=graphs, converter=conv)

    @property
    def graphs(self) -> "Mapping[str, Graph]":
        return _LazyGraphs(self)

    def store(self) -> ox.Store:
        """The graphs in a pyoxigraph store, for the views written by SPARQL. The build passes its
        own, which holds the asserted graphs only: the views read nothing else."""
        if self._store is None:
            self._store = ox.Store()
            self._store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, g)
                                    for name, ts in self.triples.items() for g in (graph_node(name),) for t in ts.values())
        return self._store

    def counts(self) -> dict[str, int]:
        return {name: len(ts) for name, ts in self.triples.items()}

    def union_triples(self) -> list[ox.Triple]:
        """Every graph's triples once, in line order."""
        return self._merged()[1]

    def union_lines(self) -> list[str]:
        """The union's N-Triples lines (without the final ` .`), in order."""
        return self._merged()[0]

    def _merged(self) -> tuple[list[str], list[ox.Triple]]:
        if self._union is None:
            self._merge()
        return self._union

    def _merge(self) -> None:
        """The union in line order, as two lists (lines, triples): a million-entry dict built in
        sorted order would cost more than the sort.

        Each graph is in line order already, so their lines one graph after another are a few
        sorted runs, which `sorted` merges in C (0.1 s at a million triples)."""
        u: dict[str, ox.Triple] = {}
        for ts in self.triples.values():
            u.update(ts)
        lines = sorted(u)
        self._union = lines, list(map(u.__getitem__, lines))

    def nquads_lines(self) -> list[str]:
        """Every graph's lines with its name, sorted: each graph's are sorted runs again.

        Sorting whole lines orders them by triple, then by graph IRI: a triple's line is never a
        prefix of another's followed by a character before the space (N-Triples escapes control
        characters), and the IRIs' `>` ends each comparison between a name and a longer one as it
        ends the names' own."""
        lines: list[str] = []
        for name, ts in self.triples.items():
            end = f" {graph_node(name)} .\n"
            lines += [k + end for k in ts]
        lines.sort()
        return lines

    def turtle(self, name: str, keep: bool = False) -> bytes:
        """One graph in Turtle as pyoxigraph writes it (tags still lower-cased). TriG is every
        graph's Turtle in a block, and three graphs have a file of their own: `keep` holds the
        text for the second use instead of writing it twice."""
        text = self._turtle.pop(name, None)
        if text is None:
            text = ox.serialize(self.triples[name].values(), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
        if keep:
            self._turtle[name] = text
        return text

    def union(self, names: list[str] | None = None) -> Graph:
        g = new_graph()
        for name in sorted(self.triples):
            if names is None or name in names:
                for t in self.graphs[name]:
                    g.add(t)
        return g


class _LazyGraphs(Mapping):
    def __init__(self, b: Bundle):
        self.b = b

    def __getitem__(self, name: str) -> Graph:
        b = self.b
        if name not in b._graphs:
            b._graphs[name] = b.conv.graph(b.triples[name].values(), new_graph())
        return b._graphs[name]

    def __iter__(self):
        return iter(self.b.triples)

    def __len__(self) -> int:
        return len(self.b.triples)


