"""Pushing a build into any triple store through the SPARQL 1.1 Graph Store HTTP Protocol.

Each named graph is sent with PUT, which replaces that graph: loading twice leaves the store as
loading once did, and graphs of other datasets in the same store are never touched. The body is
N-Triples sent as Turtle (N-Triples is a subset of Turtle, and every store reads Turtle). Loading
stops at the first refusal and says which graphs did load, so a partial load is never silent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox

from cnocc.store.embedded import DUMP


class LoadError(Exception):
    """The store refused a graph or could not be reached; `loaded` lists the graphs that did load."""

    def __init__(self, message: str, loaded: list[str]):
        self.loaded = loaded
        super().__init__(message)


@dataclass(frozen=True)
class GraphBody:
    iri: str
    triples: int
    body: bytes


@dataclass
class LoadReport:
    loaded: list[tuple[str, int, float]] = field(default_factory=list)  # iri, triples, seconds


def graph_bodies(dist: Path) -> list[GraphBody]:
    """The build's named graphs, from its N-Quads dump, in IRI order."""
    dump = dist / DUMP
    if not dump.is_file():
        raise FileNotFoundError(f"{dump} not found: run `cnocc build` first (or give --dist)")
    by_graph: dict[str, list[ox.Triple]] = {}
    for q in ox.parse(path=str(dump), format=ox.RdfFormat.N_QUADS):
        by_graph.setdefault(q.graph_name.value, []).append(q.triple)
    return [GraphBody(iri, len(ts), ox.serialize(ts, format=ox.RdfFormat.N_TRIPLES))
            for iri, ts in sorted(by_graph.items())]


def push(endpoint: str, graphs: list[GraphBody], *, graph_param: str = "graph", auth: httpx.Auth | None = None,
         timeout: float = 300, progress: Callable[[str], None] = lambda s: None) -> LoadReport:
    report = LoadReport()
    done: list[str] = []
    with httpx.Client(auth=auth, timeout=timeout) as client:
        for g in graphs:
            progress(f"PUT {g.iri} ({g.triples} triples) … ")
            start = time.perf_counter()
            try:
                # merge, not replace: an endpoint may carry options of its own (Oxigraph's ?no_transaction)
                url = httpx.URL(endpoint).copy_merge_params({graph_param: g.iri})
                r = client.put(url, content=g.body,
                               headers={"Content-Type": "text/turtle; charset=utf-8"})
            except httpx.HTTPError as exc:
                raise LoadError(f"cannot reach {endpoint}: {exc}", done) from None
            if r.status_code >= 400:
                text = r.text.strip().replace("\n", " ")[:300]
                raise LoadError(f"{endpoint} refused {g.iri}: HTTP {r.status_code} {text}", done)
            seconds = time.perf_counter() - start
            done.append(g.iri)
            report.loaded.append((g.iri, g.triples, seconds))
            progress(f"ok ({seconds:.1f} s)\n")
    return report
