"""Load benchmark for `cnocc serve` (not a test): N concurrent clients for T seconds.

Runs three workloads against cnocc (concept pages, search, the bundled SPARQL queries) and, in the
same run, the same SPARQL queries against `oxigraph serve-read-only` over the same N-Quads, then
prints requests/s, p50/p99 latency and errors side by side. Both servers run on loopback ports.

    .venv/bin/python benchmarks/serve_load.py [--dist dist] [--clients 8] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from cnocc.store.queries import bundled  # noqa: E402
from serving import free_port, wait_ready  # noqa: E402


def concept_paths() -> list[str]:
    with open(ROOT / "data" / "2022" / "occupations.csv", encoding="utf-8", newline="") as f:
        codes = [r["code"] for r in csv.DictReader(f)]
    return [f"/2022/occupation/{c}" for c in codes[:: max(1, len(codes) // 200)]]


SEARCHES = ["区块链", "qukuailian", "blockchain", "2-02-38", "工程技术人员", "yingxiao", "health", "4-14"]


async def run_load(make_request, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds
    async with httpx.AsyncClient(timeout=60) as client:
        async def worker(i: int) -> None:
            nonlocal errors
            n = i
            while time.monotonic() < stop:
                t = time.perf_counter()
                try:
                    r = await make_request(client, n)
                    if r.status_code != 200:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - t)
                n += clients
        start = time.monotonic()
        await asyncio.gather(*(worker(i) for i in range(clients)))
        elapsed = time.monotonic() - start
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [latencies[0]] * 99
    return {"requests": len(latencies), "rps": len(latencies) / elapsed, "p50_ms": q[49] * 1000,
            "p99_ms": q[98] * 1000, "errors": errors}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dist", type=Path, default=ROOT / "dist")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=10)
    args = ap.parse_args()
    dist = args.dist.resolve()
    work = Path(tempfile.mkdtemp(prefix="cnocc-bench-"))
    procs = []
    try:
        cport, oport = free_port(), free_port()
        cn = subprocess.Popen([sys.executable, "-m", "cnocc.cli", "serve", str(dist), "--port", str(cport)],
                              stderr=subprocess.PIPE, text=True)
        procs.append(cn)
        oxi = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
        subprocess.run([oxi, "load", "--location", str(work / "oxi"), "--file", str(dist / "cnocc.nq")],
                       check=True, capture_output=True)
        ox = subprocess.Popen([oxi, "serve-read-only", "--location", str(work / "oxi"), "--bind",
                               f"127.0.0.1:{oport}", "--union-default-graph"], stderr=subprocess.PIPE, text=True)
        procs.append(ox)
        cnocc_url, oxi_url = f"http://127.0.0.1:{cport}", f"http://127.0.0.1:{oport}"
        wait_ready(cnocc_url + "/.well-known/void", cn)
        wait_ready(oxi_url + "/", ox)

        pages, queries = concept_paths(), [q.text for q in bundled().values()]
        accept = {"Accept": "application/sparql-results+json"}
        workloads = {
            "cnocc pages": lambda c, n: c.get(cnocc_url + pages[n % len(pages)], headers={"Accept": "text/html"}),
            "cnocc search": lambda c, n: c.get(cnocc_url + "/api/search", params={"q": SEARCHES[n % len(SEARCHES)]}),
            "cnocc SPARQL": lambda c, n: c.get(cnocc_url + "/sparql", params={"query": queries[n % len(queries)]},
                                               headers=accept),
            "oxigraph SPARQL": lambda c, n: c.get(oxi_url + "/query", params={"query": queries[n % len(queries)]},
                                                  headers=accept),
        }
        results = {name: asyncio.run(run_load(fn, args.clients, args.seconds)) for name, fn in workloads.items()}
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)

    print(f"{args.clients} clients, {args.seconds:g} s per workload, {len(queries)} bundled queries, "
          f"{len(pages)} concept pages")
    print(f"{'workload':18} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, r in results.items():
        print(f"{name:18} {r['requests']:9d} {r['rps']:8.1f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} {r['errors']:7d}")
    ratio = results["cnocc SPARQL"]["rps"] / results["oxigraph SPARQL"]["rps"]
    print(f"cnocc SPARQL throughput is {ratio:.2f}× oxigraph serve-read-only's on the same queries and data")


if __name__ == "__main__":
    main()
