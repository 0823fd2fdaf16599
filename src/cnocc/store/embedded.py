"""The built graph in an embedded store (pyoxigraph), for serving and fast queries.

`cnocc build` writes N-Quads; the server bulk-loads them into an on-disk store once at start-up,
then opens it read-only: the web process reads it for pages, and SPARQL worker processes open
the same folder, so a runaway query can be killed without touching the pages' store.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

DUMP = "cnocc.nq"


def load_dist(dist: Path, store_dir: Path) -> Path:
    """Bulk-load `dist/cnocc.nq` into a fresh store at `store_dir`; return that folder."""
    dump = dist / DUMP
    if not dump.is_file():
        raise FileNotFoundError(f"{dump} not found: run `cnocc build` first (or give the folder it wrote)")
    store = ox.Store(str(store_dir))
    store.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
    store.flush()
    store.optimize()
    del store
    return store_dir


def open_read_only(store_dir: Path) -> ox.Store:
    return ox.Store.read_only(str(store_dir))


def select(store: ox.Store, query: str, **bindings) -> list[dict[str, object]]:
    """Rows of a trusted SELECT (the server's own queries) over the union of all graphs.

    Values come back as pyoxigraph terms; `bindings` substitute variables (e.g. item=NamedNode(...)).
    """
    subs = {ox.Variable(k): v for k, v in bindings.items()}
    res = store.query(query, use_default_graph_as_union=True, substitutions=subs or None)
    names = [v.value for v in res.variables]
    return [{n: sol[n] for n in names} for sol in res]
