"""What a store holds after `cnocc load`, graph by graph, and what the build's VoID description says it
should hold (used by the Oxigraph, Jena and Virtuoso load tests)."""

from __future__ import annotations

import urllib.parse
import urllib.request

from cnocc.model import vocab as V


def counts(url: str) -> dict[str, int]:
    q = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    req = urllib.request.Request(url + "/query?" + urllib.parse.urlencode({"query": q}), headers={"Accept": "text/csv"})
    with urllib.request.urlopen(req, timeout=60) as r:
        lines = r.read().decode("utf-8").splitlines()[1:]
    return {g: int(n) for g, n in (ln.split(",") for ln in lines)}


def expected_counts(built) -> dict[str, int]:
    """The VoID description's count for each named graph (the description cannot count itself)."""
    result, _ = built
    meta = result.bundle.graphs["metadata"]
    out = {str(V.GRAPHS["metadata"]): len(meta)}
    for name in result.bundle.graphs:
        if name != "metadata":
            out[str(V.GRAPHS[name])] = int(meta.value(V.GRAPHS[name], V.VOID.triples))
    return out
