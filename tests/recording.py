"""A graph that keeps the net change made to it, so a broken case can be put back afterwards.

Copying the real graph's 31 thousand triples for each of 87 broken cases costs more than
validating the copy; the shape tests against Jena and against the SPARQL validator break the
real graph in place, record what changed, and undo it.
"""

from __future__ import annotations

from rdflib import Graph


class Recording(Graph):
    """`Recording()` is a fresh graph; `Recording(base)` works on `base`'s own triples."""

    def __init__(self, base: Graph | None = None):
        if base is None:
            super().__init__()
        else:
            super().__init__(store=base.store, identifier=base.identifier, namespace_manager=base.namespace_manager)
        self.start()

    def start(self) -> None:
        self.added: set = set()
        self.removed: set = set()

    def add(self, triple):
        if triple in self.removed:
            self.removed.discard(triple)
        elif triple not in self:
            self.added.add(triple)
        return super().add(triple)

    def addN(self, quads):  # noqa: N802  (rdflib's name)
        for s, p, o, _ in quads:
            self.add((s, p, o))
        return self

    def remove(self, pattern):
        for t in list(self.triples(pattern)):
            if t in self.added:
                self.added.discard(t)
            else:
                self.removed.add(t)
        return super().remove(pattern)

    def undo(self) -> None:
        added, removed = self.added, self.removed
        for t in added:
            Graph.remove(self, t)
        for t in removed:
            Graph.add(self, t)
        self.start()
