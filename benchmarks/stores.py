"""Loading and querying benchmark across triple stores (not a test): the build in each store, side by side.

Times loading the build's N-Quads dump into each store, then every bundled query on each engine,
and prints two tables. Every load is checked against the dump's per-graph triple counts and every
answer against rdflib's rows (tests/engines.py); a mismatch is marked "≠" next to the figure.

Loads:   rdflib (TriG, in memory), pyoxigraph (bulk_load, in memory), Oxigraph `oxigraph load`,
         Oxigraph via `cnocc load` (HTTP), Virtuoso bulk loader, Virtuoso via `cnocc load` (HTTP),
         Jena TDB2 `tdb2.tdbloader`.
Queries: rdflib, pyoxigraph, Oxigraph server, Virtuoso (/sparql), Jena ARQ on TDB2.

Stores that are not installed are skipped with a note. Each server runs on a loopback port of its
own, on a fresh database in a temporary folder, and is stopped by its PID at the end.

    .venv/bin/python benchmarks/stores.py [--dist dist] [--repeat 3] [--no-jena] [--no-virtuoso]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))  # the helpers the tests use to run the same stores

import pyoxigraph as ox  # noqa: E402

from cnocc.store.loading import graph_bodies  # noqa: E402
from cnocc.store.queries import bundled, load_build  # noqa: E402
from cnocc.store.embedded import DUMP  # noqa: E402
from serving import OXIGRAPH, free_port, wait_ready  # noqa: E402
from engines import reference, rows_from_csv  # noqa: E402


COUNT_BY_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def http_csv(url: str, query: str, accept: str = "text/csv") -> str:
    req = urllib.request.Request(url, data=urllib.parse.urlencode({"query": query}).encode(),
                                 headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return r.read().decode("utf-8")


def counts_from_csv(text: str) -> dict[str, int]:
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)
    return {g: int(n) for g, n in reader}


def cnocc_load(endpoint: str, dist: Path, *extra: str) -> None:
    subprocess.run([sys.executable, "-m", "cnocc.cli", "load", endpoint, "--dist", str(dist), *extra],
                   check=True, capture_output=True, text=True, timeout=600)


class OxigraphServer:
    def __init__(self, location: Path, read_only: bool):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [OXIGRAPH, "serve-read-only" if read_only else "serve", "--location", str(location),
               "--bind", f"127.0.0.1:{self.port}", "--union-default-graph"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wait_ready(self.url + "/", self.proc, seconds=60, interval=0.2, on_fail=self.stop)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


class Engine:
    """A way to run one bundled query: returns (seconds, CSV text); `note` is printed under the table."""

    def __init__(self, name: str, run, repeat: int, note: str = ""):
        self.name, self.run, self.repeat, self.note = name, run, repeat, note


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dist", type=Path, default=ROOT / "dist")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per query (median), after one warm-up run")
    ap.add_argument("--no-jena", action="store_true")
    ap.add_argument("--no-virtuoso", action="store_true")
    args = ap.parse_args()
    dist = args.dist.resolve()
    dump = dist / DUMP
    if not dump.is_file():
        print(f"{dump} not found: run `make build` first", file=sys.stderr)
        return 2
    expected = {g.iri: g.triples for g in graph_bodies(dist)}
    queries = bundled()
    notes: list[str] = []
    loads: list[tuple[str, float | None, str]] = []  # label, seconds, check
    engines: list[Engine] = []
    cleanup = []
    work = Path(tempfile.mkdtemp(prefix="cnocc-bench-stores-"))

    def check(found: dict[str, int]) -> str:
        got = {g: n for g, n in found.items() if g in expected}
        return "ok" if got == expected else f"≠ {sum(got.values())} of {sum(expected.values())} triples"

    try:
        # --- rdflib and pyoxigraph, in process ------------------------------------------------------
        seconds, graph = timed(lambda: load_build(dist))
        loads.append(("rdflib: parse cnocc.trig (in memory)", seconds,
                      check(Counter(str(c.identifier) for c in graph.graphs() for _ in c))))
        engines.append(Engine("rdflib", lambda q: _rdflib_csv(graph, q), args.repeat))

        store = ox.Store()
        seconds, _ = timed(lambda: store.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS))
        loads.append(("pyoxigraph: Store.bulk_load (in memory)", seconds,
                      check(counts_from_csv(store.query(COUNT_BY_GRAPH).serialize(
                          format=ox.QueryResultsFormat.CSV).decode()))))
        engines.append(Engine("pyoxigraph", lambda q: store.query(q, use_default_graph_as_union=True).serialize(
            format=ox.QueryResultsFormat.CSV).decode("utf-8"), args.repeat))

        # --- Oxigraph server -------------------------------------------------------------------------
        if Path(OXIGRAPH).exists():
            loc = work / "oxigraph-bulk"
            seconds, _ = timed(lambda: subprocess.run([OXIGRAPH, "load", "--location", str(loc), "--file", str(dump)],
                                                      check=True, capture_output=True))
            srv = OxigraphServer(loc, read_only=True)
            cleanup.append(srv.stop)
            loads.append(("Oxigraph: oxigraph load (bulk, offline)", seconds,
                          check(counts_from_csv(http_csv(srv.url + "/query", COUNT_BY_GRAPH)))))
            engines.append(Engine("Oxigraph server", lambda q, u=srv.url: http_csv(u + "/query", q), args.repeat))

            rw = OxigraphServer(work / "oxigraph-http", read_only=False)
            seconds, _ = timed(lambda: cnocc_load(rw.url + "/store", dist))
            loads.append(("Oxigraph: cnocc load …/store (HTTP PUT)", seconds,
                          check(counts_from_csv(http_csv(rw.url + "/query", COUNT_BY_GRAPH)))))
            rw.stop()
        else:
            notes.append(f"Oxigraph server skipped: {OXIGRAPH} not found (pip install oxigraph)")

        # --- Virtuoso --------------------------------------------------------------------------------
        import virtuoso as vt

        if args.no_virtuoso:
            notes.append("Virtuoso skipped (--no-virtuoso)")
        elif not vt.available():
            notes.append("Virtuoso skipped: virtuoso-t / isql-vt not installed (apt-get install virtuoso-opensource)")
        else:
            bulk = vt.Virtuoso([dist])
            cleanup.append(bulk.stop)
            notes.append(f"Virtuoso start-up on a fresh database: {bulk.startup_seconds:.1f} s (not counted)")
            seconds, rows = timed(lambda: bulk.bulk_load(dist, DUMP))
            ok = check(bulk.graph_counts())
            if any(state != 2 or error for _, state, error in rows):
                ok = f"load_list: {rows}"
            loads.append(("Virtuoso: ld_dir + rdf_loader_run + checkpoint", seconds, ok))
            engines.append(Engine("Virtuoso", lambda q, v=bulk: v.query(q), args.repeat))

            gsp = vt.Virtuoso([dist])
            try:
                seconds, _ = timed(lambda: cnocc_load(gsp.url + "/sparql-graph-crud-auth", dist, "--graph-param",
                                                      "graph-uri", "--user", "dba", "--password", "dba", "--digest"))
                loads.append(("Virtuoso: cnocc load …/sparql-graph-crud-auth (HTTP PUT)", seconds,
                              check(gsp.graph_counts())))
            finally:
                gsp.stop()

        # --- Jena TDB2 -------------------------------------------------------------------------------
        if args.no_jena:
            notes.append("Jena skipped (--no-jena)")
        else:
            try:
                import jena
            except ImportError:
                jena = None
            reason = "tests/jena.py not found" if jena is None else jena.jena_missing()
            if reason:
                notes.append(f"Jena skipped: {reason}")
            else:
                loc = work / "tdb2"
                seconds, _ = timed(lambda: jena.tdb2_load(loc, dump))
                (work / "count.rq").write_text(COUNT_BY_GRAPH, encoding="utf-8")
                loads.append(("Jena: tdb2.tdbloader (JVM start included)", seconds,
                              check(counts_from_csv(jena.run("tdb2.tdbquery", f"--loc={loc}",
                                                             f"--query={work / 'count.rq'}", "--results=CSV").stdout))))

                def jena_query(q: str, loc=loc) -> tuple[float, str]:
                    qf = work / "q.rq"
                    qf.write_text(q, encoding="utf-8")
                    p = jena.run("tdb2.tdbquery", f"--loc={loc}", "--set", "tdb:unionDefaultGraph=true",
                                 f"--query={qf}", "--results=CSV", "--time")
                    m = re.search(r"Time: ([0-9.]+) sec", p.stderr)
                    return float(m.group(1)) if m else float("nan"), p.stdout

                engines.append(Engine("Jena ARQ (TDB2)", jena_query, 1,
                                      "Jena ARQ: one cold JVM per query (`tdb2.tdbquery --time`, JVM start not "
                                      "counted, no warm-up)"))

        # --- queries ---------------------------------------------------------------------------------
        table: dict[str, dict[str, str]] = {}
        totals = Counter()
        for name, query in queries.items():
            columns, ref = reference(str(dist), name)
            table[name] = {}
            for e in engines:
                try:
                    if e.repeat > 1:
                        e.run(query.text)  # warm-up, not timed
                    times = []
                    for _ in range(e.repeat):
                        start = time.perf_counter()
                        out = e.run(query.text)
                        wall = time.perf_counter() - start
                        own, answer = out if isinstance(out, tuple) else (None, out)
                        times.append(wall if own is None else own)  # an engine's own figure when it gives one
                    seconds = statistics.median(times)
                    header, rows = rows_from_csv(answer)
                    mark = "" if header == columns and rows == ref else " ≠"
                    table[name][e.name] = f"{seconds * 1000:.0f}{mark}"
                    totals[e.name] += seconds
                except Exception as exc:  # an engine's failure is a result too
                    table[name][e.name] = "error"
                    notes.append(f"{e.name} on {name}: {str(exc).splitlines()[0][:150]}")
        print_tables(dist, expected, loads, engines, table, totals, notes)
    finally:
        for stop in reversed(cleanup):
            try:
                stop()
            except Exception:
                pass
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _rdflib_csv(graph, text: str) -> str:
    res = graph.query(text)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([str(v) for v in res.vars])
    w.writerows([["" if v is None else str(v) for v in row] for row in res])
    return buf.getvalue()


def print_tables(dist, expected, loads, engines, table, totals, notes) -> None:
    print(f"\nLoading {dist / DUMP}: {sum(expected.values())} triples in {len(expected)} named graphs")
    w = max(len(label) for label, _, _ in loads)
    print(f"{'store: method'.ljust(w)}  {'seconds':>8}  counts")
    print(f"{'-' * w}  {'-' * 8}  ------")
    for label, seconds, ok in loads:
        print(f"{label.ljust(w)}  {seconds:8.2f}  {ok}")

    names = [e.name for e in engines]
    print("\nBundled queries: median milliseconds (≠ = rows differ from rdflib's)")
    qw = max(len(n) for n in table) if table else 5
    widths = [max(len(n), 8) for n in names]
    print("  ".join(["query".ljust(qw)] + [n.rjust(wd) for n, wd in zip(names, widths)]))
    print("  ".join(["-" * qw] + ["-" * wd for wd in widths]))
    for q, cells in table.items():
        print("  ".join([q.ljust(qw)] + [cells.get(n, "").rjust(wd) for n, wd in zip(names, widths)]))
    print("  ".join(["total".ljust(qw)] + [f"{totals[n] * 1000:.0f}".rjust(wd) for n, wd in zip(names, widths)]))
    for e in engines:
        if e.note:
            notes.append(e.note)
    for n in notes:
        print(f"note: {n}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
