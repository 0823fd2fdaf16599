"""The naive pipeline: the build's heavy work done with the stock Python RDF tools, one stage at a time.

What a first version of cnocc would do with nothing but rdflib, owlrl and pyshacl: parse the
asserted triples, run owlrl's full OWL-RL closure, validate with pyshacl, serialize with rdflib.
Comparing it with the build says what the build's own engineering buys, stage by stage.

Each stage runs in a process of its own (started by benchmarks/bench.py) so that one stage's
memory or a stage killed at the time cap cannot affect another. A stage that needs a graph first
parses it *before* announcing {"event": "ready"}: the harness starts the stage's clock and cap
there, so a stage's figure is that stage's work only.

    naive.py STAGE --dist DIST --prep PREP --work WORK   # STAGE: one of STAGES below
    naive.py queries NQ                                  # bundled queries on rdflib's engine

PREP holds asserted.nt (every asserted graph) and national.nt (the part the build reasons over,
i.e. without the link graphs), which bench.py cuts out of DIST/cnocc.nq beforehand.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

# Only the standard library at the top: bench.py imports STAGES, and every megabyte the harness
# holds shows up again in each child's ru_maxrss (Linux keeps the pre-exec high-water mark).
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
PREFIX_LINE = re.compile(r"@prefix\s+([\w.-]*):\s*<([^>]*)>\s*\.")

STAGES = ("parse", "reason", "validate", "export ttl", "export nt", "export jsonld")
EXPORT_FORMATS = {"export ttl": ("turtle", "naive.ttl"), "export nt": ("nt", "naive.nt"),
                  "export jsonld": ("json-ld", "naive.jsonld")}


def emit(**event) -> None:
    print(json.dumps(event, ensure_ascii=False), flush=True)


def own_peak_mb() -> float | None:
    """This process's peak RSS since exec (VmHWM); ru_maxrss would include the parent's before exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def prefixes_of(ttl: Path | None) -> dict[str, str]:
    """The build's own Turtle prefixes, so every Turtle writer abbreviates the same IRIs."""
    out: dict[str, str] = {}
    if ttl is None or not ttl.is_file():
        return out
    with ttl.open(encoding="utf-8") as f:
        for line in f:
            m = PREFIX_LINE.match(line)
            if m:
                out[m.group(1)] = m.group(2)
            elif line.strip() and not line.startswith("@"):
                break
    return out


def parse_nt(*files: Path):
    from rdflib import Graph

    g = Graph()
    for f in files:
        g.parse(f, format="nt" if f.suffix == ".nt" else "turtle")
    return g


def run_stage(stage: str, dist: Path, prep: Path, work: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    extra: dict = {}
    if stage == "parse":
        emit(event="ready")
        s = time.perf_counter()
        g = parse_nt(prep / "asserted.nt")
    elif stage == "reason":
        import owlrl

        g = parse_nt(prep / "national.nt", *sorted((ROOT / "ontology" / "imports").glob("*.ttl")))
        before = len(g)
        emit(event="ready", input_triples=before)
        s = time.perf_counter()
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(g)
        extra["derived"] = len(g) - before
    elif stage == "validate":
        from pyshacl import validate

        g = parse_nt(prep / "asserted.nt")
        shapes = parse_nt(*sorted((ROOT / "shapes").glob("*.ttl")))
        emit(event="ready")
        s = time.perf_counter()
        conforms, _, _ = validate(g, shacl_graph=shapes, inference="none", advanced=True)
        extra["conforms"] = bool(conforms)
    elif stage in EXPORT_FORMATS:
        fmt, name = EXPORT_FORMATS[stage]
        g = parse_nt(dist / "cnocc.nt")  # the union of all graphs, as the build's own exports write it
        for prefix, iri in prefixes_of(dist / "cnocc.ttl").items():
            g.bind(prefix, iri, override=True)
        emit(event="ready")
        s = time.perf_counter()
        g.serialize(destination=str(work / name), format=fmt)
    else:
        raise SystemExit(f"unknown stage {stage!r}; known: {', '.join(STAGES)}")
    seconds = time.perf_counter() - s
    emit(event="done", s=seconds, triples=len(g), peak_mb=own_peak_mb(), **extra)


def queries(nq: Path) -> None:
    """One run per query: rdflib's figures are large enough that noise does not matter."""
    from rdflib import Dataset

    from cnocc.store.queries import bundled

    start = time.perf_counter()
    ds = Dataset(default_union=True)  # as `cnocc query` reads the build
    ds.parse(nq, format="nquads")
    emit(event="ready", load_s=time.perf_counter() - start)
    for name, q in bundled().items():
        s = time.perf_counter()
        rows = 0
        for row in ds.query(q.text):
            if isinstance(row, tuple):
                for _ in row:
                    pass
            rows += 1
        emit(event="query", name=name, s=time.perf_counter() - s, rows=rows)
    emit(event="done", peak_mb=own_peak_mb())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("stage", help=f"one of: {', '.join(STAGES)}, or 'queries'")
    ap.add_argument("nq", nargs="?", type=Path, help="for 'queries': the build's cnocc.nq")
    ap.add_argument("--dist", type=Path)
    ap.add_argument("--prep", type=Path)
    ap.add_argument("--work", type=Path)
    args = ap.parse_args()
    if args.stage == "queries":
        queries(args.nq)
    else:
        if not (args.dist and args.prep and args.work):
            ap.error("a stage needs --dist, --prep and --work")
        run_stage(args.stage, args.dist, args.prep, args.work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
