"""The floor: what the build's output costs to read and write with a fast native RDF library.

Run by benchmarks/bench.py in a subprocess of its own, so its time and peak memory are not mixed
with the harness's or another step's. No Python RDF pipeline can do the build's parse-and-write
work faster than pyoxigraph (Rust) does the bare parse and writes, so the build's time over this
one is how much of the build is *our* code rather than unavoidable I/O.

    floor.py convert NT WORKDIR [--prefixes TTL]   # bulk-load N-Triples, write Turtle, N-Triples, JSON-LD
    floor.py queries NQ [--repeat 3]               # bundled queries on the build's store (pyoxigraph)

Both speak the harness's protocol: one JSON object per line on stdout, {"event": "ready"} the
moment the timed part starts (so the harness's cap excludes start-up), then results, then
{"event": "done"}.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))
from naive import emit, own_peak_mb, prefixes_of  # noqa: E402  (stdlib-only helpers; puts src/ on the path)


def convert(nt: Path, work: Path, prefixes: dict[str, str]) -> None:
    work.mkdir(parents=True, exist_ok=True)
    emit(event="ready")
    steps: dict[str, float] = {}
    start = time.perf_counter()
    store = ox.Store()  # in memory, like rdflib's Graph in the build
    store.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES)
    steps["parse"] = time.perf_counter() - start
    for step, fmt, name in (("turtle", ox.RdfFormat.TURTLE, "floor.ttl"),
                            ("ntriples", ox.RdfFormat.N_TRIPLES, "floor.nt"),
                            ("jsonld", ox.RdfFormat.JSON_LD, "floor.jsonld")):
        s = time.perf_counter()
        kw = {"prefixes": prefixes} if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.JSON_LD) and prefixes else {}
        store.dump(str(work / name), format=fmt, from_graph=ox.DefaultGraph(), **kw)
        steps[step] = time.perf_counter() - s
    emit(event="done", steps=steps, total_s=sum(steps.values()), triples=len(store), peak_mb=own_peak_mb())


def consume(result) -> int:
    """Walk every row and value: an engine that answers lazily must do all of its work here."""
    if isinstance(result, ox.QueryBoolean):
        return 1
    n = 0
    for row in result:
        for _ in row:
            pass
        n += 1
    return n


def queries(nq: Path, repeat: int) -> None:
    from cnocc.store.queries import bundled

    start = time.perf_counter()
    store = ox.Store()
    store.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    emit(event="ready", load_s=time.perf_counter() - start, quads=len(store))
    for name, q in bundled().items():
        text = q.text
        rows = consume(store.query(text, use_default_graph_as_union=True))  # warm-up, not timed
        times = []
        for _ in range(repeat):
            s = time.perf_counter()
            rows = consume(store.query(text, use_default_graph_as_union=True))
            times.append(time.perf_counter() - s)
        emit(event="query", name=name, s=statistics.median(times), rows=rows)
    emit(event="done", peak_mb=own_peak_mb())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("convert")
    c.add_argument("nt", type=Path)
    c.add_argument("work", type=Path)
    c.add_argument("--prefixes", type=Path, help="a Turtle file whose @prefix lines to reuse")
    q = sub.add_parser("queries")
    q.add_argument("nq", type=Path)
    q.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if args.cmd == "convert":
        convert(args.nt, args.work, prefixes_of(args.prefixes))
    else:
        queries(args.nq, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
