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
    dump = _dump(dist)
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


def _dump(dist: Path) -> Path:
    dump = dist / DUMP
    if not dump.is_file():
        raise FileNotFoundError(f"{dump} not found: run `cnocc build` first (or give the folder it wrote)")
    return dump


def memory_store(dist: Path, exclude: tuple[str, ...] = (), conv=None) -> ox.Store:
    """The build's named graphs in an in-memory store, less the graphs named in `exclude`
    (`inferred`, `metadata` …), all in its default graph when `exclude` is given (the union the
    shapes read; a triple held by two graphs counts once).

    With `conv` (a `Converter`), the typed literals are recorded as written, since the store keeps
    them in canonical form: validation reports them as pyshacl would."""
    from cnocc.model.vocab import GRAPHS, uri

    skip = {str(GRAPHS.get(n, uri("graph", n))) for n in exclude}
    quads = [q for q in ox.parse(path=str(_dump(dist)), format=ox.RdfFormat.N_QUADS)
             if not exclude or q.graph_name.value not in skip]
    if conv is not None:
        conv.record(quads)
    store = ox.Store()
    if exclude:
        store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    else:
        store.bulk_extend(quads)
    return store
