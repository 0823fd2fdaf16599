"""Scaling benchmark (not a test): the real build at growing catalogue sizes, against a floor and a naive pipeline.

For each size: generate a synthetic catalogue (benchmarks/synthetic), run the real `cnocc build` on
it, then measure the same output with two yardsticks and the bundled queries:

  floor   pyoxigraph parses the build's N-Triples and writes Turtle, N-Triples and JSON-LD: the
          least time any pipeline producing these files could take (benchmarks/floor.py);
  naive   the build's heavy stages done with stock rdflib + owlrl + pyshacl, one process per
          stage, each capped (--naive-cap) because they grow much faster than linearly
          (benchmarks/naive.py);
  queries every bundled query on the build's store (pyoxigraph, median of --repeat runs) and on
          rdflib's engine (one run, capped), as `cnocc serve` and `cnocc query` run them.

Every measured step runs in a subprocess: each figure's peak memory is that step's alone, a
runaway stage can be killed, and the harness itself stays small at the largest sizes.

Writes benchmarks/results/latest.{json,md,png} after every size, so a long run that is stopped
still leaves what it measured; prints the table at the end.

    .venv/bin/python benchmarks/bench.py [--sizes 10k,100k,1m,6.5m] [--naive-cap 900]
        [--query-cap 900] [--repeat 3] [--seed 0] [--keep DIR] [--no-naive] [--no-queries]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import queue
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

# Only the standard library here (naive.py's top level is too): each child's ru_maxrss starts at the
# harness's own high-water mark, so the harness must stay small for the cross-check to mean anything.
from naive import STAGES as NAIVE_STAGES  # noqa: E402

PY = sys.executable
CNOCC = str(Path(PY).parent / "cnocc") if (Path(PY).parent / "cnocc").exists() else None
GRAPH_BASE = "https://w3id.org/cnocc/graph/"
RESULTS = HERE / "results"
T0 = time.perf_counter()
_running: set[subprocess.Popen] = set()  # children to kill if the harness is interrupted


class BenchError(Exception):
    """A step everything after it depends on failed: stop with this message."""


def progress(msg: str) -> None:
    print(f"[bench {time.perf_counter() - T0:7.1f}s] {msg}", file=sys.stderr, flush=True)


# --- sizes -----------------------------------------------------------------------------------------

def _parse_size_fallback(text: str) -> int:
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([kKmM]?)\s*", text)
    if not m:
        raise ValueError(f"not a size: {text!r} (e.g. 10k, 1m, 6.5m)")
    return int(float(m.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2).lower()])


def synthetic_available() -> bool:
    return (ROOT / "benchmarks" / "synthetic" / "__init__.py").is_file()


def _ask_cnocc(code: str, *argv: str):
    """Evaluate something in cnocc's own code in a child, keeping rdflib & co. out of the harness."""
    out = subprocess.run([PY, "-c", "import json, sys\n" + code, *argv], capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise BenchError((out.stderr.strip().splitlines() or [f"exit {out.returncode}"])[-1])  # the exception line
    return json.loads(out.stdout.strip().splitlines()[-1])


def parse_sizes(labels: list[str]) -> dict[str, int]:
    if synthetic_available():
        try:
            return dict(zip(labels, _ask_cnocc(
                f"sys.path.insert(0, {str(ROOT)!r})\nfrom benchmarks.synthetic import parse_size\nprint(json.dumps([parse_size(a) for a in sys.argv[1:]]))",
                *labels)))
        except BenchError as exc:
            raise ValueError(str(exc)) from None
    return {label: _parse_size_fallback(label) for label in labels}


def graph_roles() -> tuple[set[str], set[str]]:
    """The build's derived and link graph names, so the naive stages start from the build's own inputs."""
    derived, links = _ask_cnocc("from cnocc.pipeline.build import DERIVED, LINKS\nprint(json.dumps([DERIVED, LINKS]))")
    return set(derived), set(links)


# --- subprocesses ----------------------------------------------------------------------------------

@dataclasses.dataclass
class Child:
    returncode: int | None
    wall_s: float
    rss_mb: float
    events: list[dict]
    timed_out: bool
    log: Path

    def tail(self, n: int = 25) -> str:
        try:
            lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])

    def event(self, name: str) -> dict | None:
        return next((e for e in self.events if e.get("event") == name), None)


def _spawn(cmd: list[str], stdout, log: Path) -> tuple[subprocess.Popen, object]:
    err = log.open("w", encoding="utf-8")
    # A session of its own, so a timeout kills the child's own children too (pyshacl, etc.).
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=err, text=True, cwd=ROOT, start_new_session=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    _running.add(proc)
    return proc, err


def _reap(proc: subprocess.Popen) -> tuple[int, float]:
    """Wait for the child and return its exit code and its own peak RSS (MB), not the harness's."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    _running.discard(proc)
    return proc.returncode, usage.ru_maxrss / 1024  # Linux reports KiB


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run_plain(cmd: list[str], log: Path, out: Path) -> Child:
    """A child with no protocol (the build, the generator): stdout to a file, no cap."""
    start = time.perf_counter()
    with out.open("w", encoding="utf-8") as stdout:
        proc, err = _spawn(cmd, stdout, log)
        try:
            rc, rss = _reap(proc)
        finally:
            err.close()
    return Child(rc, time.perf_counter() - start, rss, [], False, log)


def run_protocol(cmd: list[str], log: Path, cap: float | None) -> Child:
    """A child that prints JSON events; the cap counts from its {"event": "ready"}, not from start-up.

    That way a stage's cap excludes the parse it needs first, as the stage's own figure does.
    """
    start = time.perf_counter()
    proc, err = _spawn(cmd, subprocess.PIPE, log)
    lines: queue.Queue = queue.Queue()
    eof = object()

    def read() -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(eof)

    threading.Thread(target=read, daemon=True).start()
    events: list[dict] = []
    ready_at = None
    timed_out = False
    try:
        while True:
            wait = None if ready_at is None or cap is None else max(0.0, ready_at + cap - time.perf_counter())
            try:
                line = lines.get(timeout=wait)
            except queue.Empty:
                timed_out = True
                _kill(proc)
                break
            if line is eof:
                break
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a library talking on stdout
            if not isinstance(event, dict):
                continue
            events.append(event)
            if event.get("event") == "ready":
                ready_at = time.perf_counter()
        rc, rss = _reap(proc)
    finally:
        err.close()
    return Child(rc, time.perf_counter() - start, rss, events, timed_out, log)


# --- steps -----------------------------------------------------------------------------------------

def generate(data: Path, triples: int, seed: int, work: Path) -> dict:
    code = ("import dataclasses, json, sys; from pathlib import Path; "
            f"sys.path.insert(0, {str(ROOT)!r}); from benchmarks.synthetic import generate; "
            "s = generate(Path(sys.argv[1]), int(sys.argv[2]), seed=int(sys.argv[3])); "
            "print(json.dumps(dataclasses.asdict(s) if dataclasses.is_dataclass(s) else repr(s), default=str))")
    child = run_plain([PY, "-c", code, str(data), str(triples), str(seed)], work / "generate.log",
                      work / "generate.out")
    if child.returncode != 0:
        raise BenchError(f"generating {triples} triples into {data} failed (exit {child.returncode}):\n{child.tail()}")
    text = (work / "generate.out").read_text(encoding="utf-8").strip().splitlines()
    try:
        summary = json.loads(text[-1]) if text else None
    except ValueError:
        summary = text[-1]
    return {"s": child.wall_s, "peak_mb": child.rss_mb, "summary": summary}


def build_flags() -> set[str]:
    """Which of --quiet / --profile this cnocc build accepts (both are newer than the harness)."""
    out = subprocess.run(_cnocc() + ["build", "--help"], capture_output=True, text=True, cwd=ROOT)
    return {f for f in ("--quiet", "--profile") if f in out.stdout}


def _cnocc() -> list[str]:
    return [CNOCC] if CNOCC else [PY, "-m", "cnocc.cli"]


def build(data: Path, dist: Path, work: Path, flags: set[str]) -> dict:
    profile = work / "profile.json"
    cmd = _cnocc() + ["build", "--data", str(data), "--out", str(dist)]
    if "--quiet" in flags:
        cmd.append("--quiet")
    if "--profile" in flags:
        cmd += ["--profile", str(profile)]
    child = run_plain(cmd, work / "build.log", work / "build.out")
    if child.returncode != 0:
        said = child.tail() or "\n".join(  # cnocc reports errors on stderr; stdout only if that is empty
            (work / "build.out").read_text(encoding="utf-8", errors="replace").splitlines()[-25:])
        raise BenchError(f"cnocc build failed (exit {child.returncode}) on {data}:\n  $ {' '.join(cmd)}\n{said}\n"
                         f"(logs in {work} with --keep)")
    prof = json.loads(profile.read_text(encoding="utf-8")) if profile.is_file() else None
    res = {"wall_s": child.wall_s, "rss_peak_mb": child.rss_mb, "profile": prof}
    if prof:
        stages = prof.get("stages", {})
        res["build_s"] = prof.get("total_s", child.wall_s)
        res["peak_mb"] = prof.get("peak_mb", child.rss_mb)
        res["stages"] = {k: (v["s"] if isinstance(v, dict) else v) for k, v in stages.items()}
        res["stage_peak_mb"] = {k: v.get("peak_mb") for k, v in stages.items() if isinstance(v, dict)}
        res["quads"] = prof.get("quads")
        res["graphs"] = prof.get("graphs")
    else:
        res.update(build_s=child.wall_s, peak_mb=child.rss_mb, stages={}, stage_peak_mb={})
    return res


def split_dump(nq: Path, prep: Path, derived: set[str], links: set[str]) -> dict[str, int]:
    """Cut the build's N-Quads into the triples the naive stages start from.

    asserted.nt: every graph but the derived ones (what the build validates);
    national.nt: asserted without the link graphs (what the build reasons over).
    Blank node labels are document-wide in N-Quads, so keeping them as they are keeps them apart.
    """
    prep.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    lines = 0
    with nq.open(encoding="utf-8") as f, (prep / "asserted.nt").open("w", encoding="utf-8") as a, \
            (prep / "national.nt").open("w", encoding="utf-8") as n:
        for line in f:
            body = line.rstrip()
            if not body or body.startswith("#"):
                continue
            lines += 1
            head, _, last = body[:-1].rstrip().rpartition(" ")
            if last.startswith("<" + GRAPH_BASE) and last.endswith(">"):
                name = last[len(GRAPH_BASE) + 1:-1]
                triple = head + " .\n"
            else:  # a triple in the default graph: asserted by definition
                name, triple = "", body + "\n"
            counts[name] = counts.get(name, 0) + 1
            if name in derived:
                continue
            a.write(triple)
            if name not in links:
                n.write(triple)
    counts["(all)"] = lines
    return counts


def floor(dist: Path, work: Path) -> dict:
    child = run_protocol([PY, str(HERE / "floor.py"), "convert", str(dist / "cnocc.nt"), str(work / "floor"),
                          "--prefixes", str(dist / "cnocc.ttl")], work / "floor.log", None)
    done = child.event("done")
    if child.returncode != 0 or not done:
        return {"error": f"exit {child.returncode}: {child.tail(5)}", "total_s": None}
    return {"steps": done["steps"], "total_s": done["total_s"], "peak_mb": done.get("peak_mb") or child.rss_mb,
            "triples": done["triples"]}


def naive(dist: Path, prep: Path, work: Path, label: str, cap: float, timed_out_at: dict[str, str]) -> dict:
    times: dict[str, float | None] = {}
    notes: dict[str, str] = {}
    peaks: dict[str, float] = {}
    extra: dict[str, dict] = {}
    for stage in NAIVE_STAGES:
        if stage in timed_out_at:
            times[stage], notes[stage] = None, f"skipped: timed out at {timed_out_at[stage]}"
            progress(f"  naive {stage}: {notes[stage]}")
            continue
        if stage != "parse" and notes.get("parse", "").startswith(("timeout", "skipped")):
            times[stage], notes[stage] = None, "skipped: the parse it needs timed out"
            progress(f"  naive {stage}: {notes[stage]}")
            continue
        progress(f"  naive {stage} (cap {cap:g} s) ...")
        slug = stage.replace(" ", "-")
        child = run_protocol([PY, str(HERE / "naive.py"), stage, "--dist", str(dist), "--prep", str(prep),
                              "--work", str(work / "naive")], work / f"naive-{slug}.log", cap)
        done = child.event("done")
        peaks[stage] = (done or {}).get("peak_mb") or child.rss_mb
        if child.timed_out:
            times[stage], notes[stage] = None, f"timeout: over {cap:g} s"
            timed_out_at[stage] = label
        elif child.returncode != 0 or not done:
            times[stage], notes[stage] = None, f"error (exit {child.returncode}): {child.tail(3)}"
        else:
            times[stage] = done["s"]
            extra[stage] = {k: v for k, v in done.items() if k not in ("event", "s")}
        shown = f"{times[stage]:.2f} s" if times[stage] is not None else notes[stage]
        progress(f"  naive {stage}: {shown}, peak {peaks[stage]:.0f} MB")
    total = sum(times.values()) if all(v is not None for v in times.values()) else None
    return {"stages": times, "total_s": total, "notes": notes, "peak_mb": peaks, "details": extra}


def queries(dist: Path, work: Path, repeat: int, cap: float) -> dict:
    nq = str(dist / "cnocc.nq")
    progress(f"  queries on the store (pyoxigraph, median of {repeat}) ...")
    store = run_protocol([PY, str(HERE / "floor.py"), "queries", nq, "--repeat", str(repeat)],
                         work / "queries-store.log", cap)
    progress("  queries on rdflib (one run each) ...")
    rdf = run_protocol([PY, str(HERE / "naive.py"), "queries", nq], work / "queries-rdflib.log", cap)
    per: dict[str, dict] = {}
    for engine, child in (("store", store), ("rdflib", rdf)):
        for e in child.events:
            if e.get("event") == "query":
                per.setdefault(e["name"], {})[f"{engine}_s"] = e["s"]
                per[e["name"]][f"{engine}_rows"] = e["rows"]
    store_ok = store.event("done") is not None
    rdf_ok = rdf.event("done") is not None
    store_total = sum(v.get("store_s", 0) for v in per.values())
    rdf_total = sum(v.get("rdflib_s", 0) for v in per.values())
    if rdf.timed_out:
        rdf_total = max(rdf_total, cap)  # it ran at least this long before it was stopped
    out = {
        "store_load_s": (store.event("ready") or {}).get("load_s"),
        "rdflib_load_s": (rdf.event("ready") or {}).get("load_s"),
        "store_total_s": store_total if store_ok else None,
        "rdflib_total_s": rdf_total if (rdf_ok or rdf.timed_out) else None,
        "rdflib_complete": rdf_ok,
        "store_peak_mb": (store.event("done") or {}).get("peak_mb") or store.rss_mb,
        "rdflib_peak_mb": (rdf.event("done") or {}).get("peak_mb") or rdf.rss_mb,
        "per_query": per,
        "row_mismatches": sorted(n for n, v in per.items()
                                 if "store_rows" in v and "rdflib_rows" in v and v["store_rows"] != v["rdflib_rows"]),
    }
    for engine, child, ok in (("store", store, store_ok), ("rdflib", rdf, rdf_ok)):
        if not ok and not child.timed_out:
            out[f"{engine}_error"] = f"exit {child.returncode}: {child.tail(3)}"
        elif child.timed_out:
            out[f"{engine}_note"] = f"stopped after {cap:g} s: total is a lower bound"
    speedup = None
    if out["store_total_s"] and out["rdflib_total_s"]:
        speedup = out["rdflib_total_s"] / out["store_total_s"]
    out["query_speedup"] = speedup
    out["query_speedup_is_lower_bound"] = bool(rdf.timed_out)
    progress(f"  queries: store {_s(out['store_total_s'])} s, rdflib {'≥' if rdf.timed_out else ''}"
             f"{_s(out['rdflib_total_s'])} s")
    return out


# --- results ---------------------------------------------------------------------------------------

def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    ram_gb = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    versions = {}
    for pkg in ("cnocc", "pyoxigraph", "rdflib", "owlrl", "pyshacl", "matplotlib"):
        try:
            versions[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            versions[pkg] = None
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = None
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": ram_gb, "python": platform.python_version(),
            "platform": platform.platform(), "load_avg_at_start": load, **versions}


def series(results: dict) -> dict[str, list[tuple[int, float]]]:
    """Every timed quantity, as (triples, seconds) points, keyed the way the exponents are."""
    out: dict[str, list[tuple[int, float]]] = {}

    def add(key: str, x, y) -> None:
        if x and y is not None and y > 0:
            out.setdefault(key, []).append((x, y))

    for r in results["sizes"].values():
        x = r.get("triples")
        add("build", x, r.get("build_s"))
        for stage, s in r.get("stages", {}).items():
            add(f"build: {stage}", x, s)
        add("floor", x, r.get("floor_s"))
        for step, s in (r.get("floor", {}).get("steps") or {}).items():
            add(f"floor: {step}", x, s)
        add("naive", x, r.get("naive_s"))
        for stage, s in (r.get("naive") or {}).items():
            add(f"naive: {stage}", x, s)
        q = r.get("queries_detail") or {}
        add("queries: store", x, q.get("store_total_s"))
        if q.get("rdflib_complete"):
            add("queries: rdflib", x, q.get("rdflib_total_s"))
    return out


def exponent(points: list[tuple[int, float]]) -> float | None:
    """Slope of log(time) on log(triples): 1 is linear, 2 quadratic."""
    if len({x for x, _ in points}) < 2:
        return None
    lx = [math.log(x) for x, _ in points]
    ly = [math.log(y) for _, y in points]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    var = sum((a - mx) ** 2 for a in lx)
    return round(sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / var, 3)


def _s(v: float | None) -> str:
    if v is None:
        return "—"
    return f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 100 else f"{v:.0f}"


def _ratio(a, b) -> str:
    return f"{a / b:.1f}×" if a is not None and b else "—"


def _md(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in rows])


def tables(results: dict) -> str:
    sizes = results["sizes"]
    rows = []
    for label, r in sizes.items():
        q = r.get("queries_detail") or {}
        speed = r.get("query_speedup")
        speed_s = "—" if speed is None else f"{'≥' if q.get('query_speedup_is_lower_bound') else ''}{speed:.0f}×"
        naive_s = _s(r.get("naive_s")) if r.get("naive_s") is not None else (
            "timeout" if any("timeout" in n or "timed out" in n for n in (r.get("naive_notes") or {}).values())
            else "—")
        rows.append([label, f"{r.get('triples', 0):,}", _s(r.get("build_s")), _s(r.get("floor_s")), naive_s,
                     f"{r['peak_mb']:.0f}" if r.get("peak_mb") else "—",
                     _ratio(r.get("build_s"), r.get("floor_s")), _ratio(r.get("naive_s"), r.get("build_s")), speed_s])
    out = [_md(["size", "triples", "build s", "floor s", "naive s", "peak MB", "build/floor", "naive/build",
                "query speedup"], rows)]

    exps = results.get("exponents", {})
    keys: list[str] = []
    for r in sizes.values():
        for k in [f"build: {s}" for s in r.get("stages", {})] + ["build"] \
                + [f"floor: {s}" for s in (r.get("floor", {}).get("steps") or {})] + ["floor"] \
                + [f"naive: {s}" for s in (r.get("naive") or {})] + ["naive", "queries: store", "queries: rdflib"]:
            if k not in keys:
                keys.append(k)

    def cell(r: dict, key: str) -> str:
        kind, _, name = key.partition(": ")
        if kind == "build":
            return _s(r.get("build_s") if not name else r.get("stages", {}).get(name))
        if kind == "floor":
            return _s(r.get("floor_s") if not name else (r.get("floor", {}).get("steps") or {}).get(name))
        if kind == "naive":
            if not name:
                return _s(r.get("naive_s"))
            v = (r.get("naive") or {}).get(name)
            note = (r.get("naive_notes") or {}).get(name, "")
            return _s(v) if v is not None else ("skipped" if note.startswith("skipped") else
                                                "timeout" if note.startswith("timeout") else "error" if note else "—")
        q = r.get("queries_detail") or {}
        if name == "store":
            return _s(q.get("store_total_s"))
        v = q.get("rdflib_total_s")
        return ("≥" if v is not None and not q.get("rdflib_complete") else "") + _s(v)

    stage_rows = [[k] + [cell(r, k) for r in sizes.values()] + ([f"{exps[k]:.2f}" if exps.get(k) is not None else "—"]
                                                               if len(sizes) > 1 else []) for k in keys]
    out.append(_md(["seconds"] + list(sizes) + (["exponent"] if len(sizes) > 1 else []), stage_rows))
    m = results["machine"]
    s = results["settings"]
    out.append(f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, Python {m['python']}, "
               f"pyoxigraph {m['pyoxigraph']}, rdflib {m['rdflib']}, owlrl {m['owlrl']}, pyshacl {m['pyshacl']}; "
               f"{results['date'][:10]}. Naive stages capped at {s['naive_cap']:g} s, rdflib queries at "
               f"{s['query_cap']:g} s; store queries: median of {s['repeat']} runs.")
    if s.get("stand_in"):
        out.append("Note: benchmarks/synthetic was not available; the real data/ folder stood in as the only size.")
    return "\n\n".join(out) + "\n"


def save(results: dict, out_dir: Path) -> None:
    # What the cross-check RSS figures (build_rss_peak_mb) may be inflated by, at most.
    results["settings"]["harness_peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    results["exponents"] = {k: e for k, pts in series(results).items() if (e := exponent(pts)) is not None}
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / ".latest.json.tmp"
    tmp.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(out_dir / "latest.json")
    (out_dir / "latest.md").write_text(tables(results), encoding="utf-8")
    # In a child: matplotlib would otherwise grow the harness (see the imports) and a plotting
    # failure should cost the picture, not the run.
    out = subprocess.run([PY, str(HERE / "plot.py"), str(out_dir / "latest.json"), str(out_dir / "latest.png")],
                         capture_output=True, text=True)
    if out.returncode != 0:
        hint = " (pip install -e '.[bench]')" if "matplotlib" in out.stderr else ""
        progress(f"no plot{hint}: {(out.stderr.strip().splitlines() or ['?'])[-1]}")


# --- main ------------------------------------------------------------------------------------------

def run_size(label: str, target: int | None, work: Path, args, flags: set[str], roles: tuple[set[str], set[str]],
             timed_out_at: dict[str, str]) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    r: dict = {"label": label}
    if target is None:
        data = ROOT / "data"
        progress(f"[{label}] using the real data folder {data}")
    else:
        r["target_triples"] = target
        data = work / "data"
        progress(f"[{label}] generating {target:,} triples (seed {args.seed}) ...")
        r["generate"] = generate(data, target, args.seed, work)
        progress(f"[{label}] generated in {r['generate']['s']:.1f} s")

    dist = work / "dist"
    progress(f"[{label}] cnocc build ...")
    b = build(data, dist, work, flags)
    counts = split_dump(dist / "cnocc.nq", work / "prep", *roles)
    r["triples"] = b.get("quads") or counts["(all)"]
    r["graph_triples"] = b.get("graphs") or {k: v for k, v in counts.items() if k != "(all)"}
    r.update(build_s=b["build_s"], peak_mb=b["peak_mb"], stages=b["stages"], stage_peak_mb=b["stage_peak_mb"],
             build_wall_s=b["wall_s"], build_rss_peak_mb=b["rss_peak_mb"], profiled=b["profile"] is not None)
    progress(f"[{label}] build: {r['triples']:,} triples in {b['build_s']:.1f} s "
             f"(wall {b['wall_s']:.1f} s), peak {b['peak_mb']:.0f} MB"
             + ("" if b["profile"] else " [no --profile in this cnocc: stage times unavailable]"))

    progress(f"[{label}] floor (pyoxigraph) ...")
    fl = floor(dist, work)
    r["floor"] = fl
    r["floor_s"] = fl["total_s"]
    progress(f"[{label}] floor: {_s(fl['total_s'])} s" + (f" ({fl['error']})" if "error" in fl else ""))

    if args.no_naive:
        r["naive"], r["naive_s"], r["naive_notes"] = {}, None, {"all": "skipped: --no-naive"}
    elif args.naive_max is not None and target is not None and target > args.naive_max:
        # hours of rdflib above a million triples (and ~10 GB to parse), with every stage that
        # reasons or validates already past its cap at a smaller size: the figure adds nothing
        r["naive"], r["naive_s"], r["naive_notes"] = {}, None, {"all": f"not run above {args.naive_max:,} triples (--naive-max)"}
    else:
        nv = naive(dist, work / "prep", work, label, args.naive_cap, timed_out_at)
        r["naive"], r["naive_s"], r["naive_notes"] = nv["stages"], nv["total_s"], nv["notes"]
        r["naive_peak_mb"], r["naive_details"] = nv["peak_mb"], nv["details"]
        progress(f"[{label}] naive: {_s(nv['total_s']) if nv['total_s'] is not None else 'incomplete'}")

    if args.no_queries:
        r["query_speedup"], r["queries"] = None, {}
    else:
        q = queries(dist, work, args.repeat, args.query_cap)
        r["query_speedup"] = q["query_speedup"]
        r["queries"] = q["per_query"]
        r["queries_detail"] = {k: v for k, v in q.items() if k != "per_query"}
        if q["row_mismatches"]:
            progress(f"[{label}] warning: row counts differ between engines on {', '.join(q['row_mismatches'])}")
    return r


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10k,100k,1m,6.5m", help="comma-separated sizes (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--naive-cap", type=float, default=900, help="seconds per naive stage (default: %(default)s)")
    ap.add_argument("--query-cap", type=float, default=None,
                    help="seconds for all queries on one engine (default: the naive cap)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per store query, median (default: %(default)s)")
    ap.add_argument("--keep", type=Path, help="keep generated data and outputs in this folder")
    ap.add_argument("--results", type=Path, default=RESULTS, help="where latest.{json,md,png} go")
    ap.add_argument("--no-naive", action="store_true", help="skip the naive pipeline")
    ap.add_argument("--naive-max", type=lambda v: int(float(v.lower().rstrip("km")) * {"k": 1e3, "m": 1e6}.get(v.lower()[-1], 1)),
                    default=None, help="run the naive pipeline only up to this size (e.g. 1m)")
    ap.add_argument("--no-queries", action="store_true", help="skip the query comparison")
    args = ap.parse_args()
    if args.query_cap is None:
        args.query_cap = args.naive_cap

    stand_in = not synthetic_available()
    if stand_in:
        targets: dict[str, int | None] = {"data": None}
        progress("benchmarks/synthetic not found: benchmarking the real data/ folder as the only size")
    else:
        labels = [s.strip() for s in args.sizes.split(",") if s.strip()]
        try:
            sizes = parse_sizes(labels)
        except ValueError as exc:
            ap.error(str(exc))
        targets = dict(sorted(sizes.items(), key=lambda kv: kv[1]))  # smallest first: timeouts carry upwards
    labels = list(targets)

    try:
        flags = build_flags()
        roles = graph_roles()
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    results = {
        "machine": machine(),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "settings": {"sizes": labels, "seed": args.seed, "naive_cap": args.naive_cap, "query_cap": args.query_cap,
                     "repeat": args.repeat, "build_flags": sorted(flags), "stand_in": stand_in},
        "sizes": {},
        "exponents": {},
    }
    if args.keep:
        root = args.keep.resolve()
        root.mkdir(parents=True, exist_ok=True)
    else:
        root = Path(tempfile.mkdtemp(prefix="cnocc-bench-"))
    progress(f"working in {root}" + ("" if args.keep else " (removed at the end; --keep DIR to keep it)"))
    timed_out_at: dict[str, str] = {}
    try:
        for label in labels:
            work = root / label
            results["sizes"][label] = run_size(label, targets[label], work, args, flags, roles, timed_out_at)
            save(results, args.results)
            progress(f"[{label}] done; results so far in {args.results}/latest.json")
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)  # the largest sizes leave gigabytes
    except BenchError as exc:
        print(f"\nbench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nbench: interrupted", file=sys.stderr)
        return 130
    finally:
        for proc in list(_running):
            _kill(proc)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print()
    print(tables(results))
    print(f"wrote {args.results}/latest.json, latest.md, latest.png", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
