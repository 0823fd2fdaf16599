"""OWL 2 RL closure of the national graphs, kept apart from the asserted ones: one entry point, which
picks the engine.

Users who want only what the sources say take the asserted graphs; users who want narrower,
transitive broader, inverse and class memberships ready-made add the inferred graph. `forward`
runs the rules cnocc's schema needs by forward chaining over the store; owlrl (`reference`), which
implements all of OWL 2 RL, takes over when the schema or the data needs more, and the
differential tests hold the two to the same triples. The mapping graphs never enter: SKOS makes
`skos:broadMatch` a sub-property of `skos:broader`, and no ISCO group may become a national
item's parent.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
from rdflib import Graph

from cnocc.model.terms import Converter, graph_node, load_graphs
from cnocc.reason import forward
from cnocc.reason.reference import infer, standard_axioms

__all__ = ["reason", "standard_axioms"]


def reason(store: ox.Store, graphs: dict[str, Graph], axioms: Graph, conv: Converter,
           note: Callable[[str], None] | None = None) -> tuple[list[ox.Triple], str]:
    """(inferred triples, how): the closure of `graphs` (already in `store` under their names) with
    the standard vocabularies' `axioms`; `how` says when owlrl answered, and why.

    The triples are not added to the store: nothing after reasoning queries them there (the exports
    are written from the triples), and adding half a million quads costs 1.4 s at a million triples."""
    names = [graph_node(n) for n in graphs]
    load_graphs(store, {"axioms": axioms}, conv)
    try:
        triples = forward.infer_in_store(store, names, graph_node("axioms"), None, note)
        triples = forward.restore_literals(store, [*names, graph_node("axioms")], triples, conv), ""
    except forward.Unsupported as exc:
        union = Graph()
        for g in graphs.values():
            for t in g:
                union.add(t)
        g = infer(union, axioms)
        triples = [ox.Triple(conv.to_ox(s), conv.to_ox(p), conv.to_ox(o)) for s, p, o in g], f"reasoning with owlrl: {exc}"
    finally:
        store.remove_graph(graph_node("axioms"))
    return triples
