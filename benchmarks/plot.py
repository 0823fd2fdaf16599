"""The benchmark's picture: how each build stage grows with the catalogue, against the floor and naive totals.

Log–log, so a stage's slope is its exponent (1 = linear) and the gap to the floor line is a
constant factor that one can read off at any size. Kept apart from bench.py so a plot can be
redrawn from a saved results file without running anything:

    .venv/bin/python benchmarks/plot.py benchmarks/results/latest.json benchmarks/results/latest.png
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _series(sizes: dict, value) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for r in sorted(sizes.values(), key=lambda r: r["triples"]):
        y = value(r)
        if y is not None and y > 0 and r.get("triples"):
            xs.append(r["triples"])
            ys.append(y)
    return xs, ys


def _stage_times(r: dict) -> dict[str, float]:
    """The build's stages, with its dozen small "export FILE" steps summed into one line."""
    out: dict[str, float] = {}
    for stage, s in (r.get("stages") or {}).items():
        key = "export (all files)" if stage.startswith("export ") else stage
        if s is not None:
            out[key] = out.get(key, 0.0) + s
    return out


def plot(results: dict, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = results["sizes"]
    stages: list[str] = []
    for r in sizes.values():
        stages += [s for s in _stage_times(r) if s not in stages]

    fig, ax = plt.subplots(figsize=(11, 6), dpi=120)
    cmap = plt.get_cmap("tab10")
    for i, stage in enumerate(stages):
        xs, ys = _series(sizes, lambda r, s=stage: _stage_times(r).get(s))
        if xs:
            ax.plot(xs, ys, marker="o", markersize=4, linewidth=1.2, color=cmap(i % 10), label=f"build: {stage}")
    for label, key, style in (("build total", "build_s", dict(color="black", linewidth=2.5)),
                              ("floor (pyoxigraph parse + write)", "floor_s",
                               dict(color="dimgray", linewidth=2, linestyle="--")),
                              ("naive (rdflib + owlrl + pyshacl)", "naive_s",
                               dict(color="tab:red", linewidth=2, linestyle="--"))):
        xs, ys = _series(sizes, lambda r, k=key: r.get(k))
        if xs:
            ax.plot(xs, ys, marker="s", markersize=5, label=label, **style)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("triples in the build")
    ax.set_ylabel("seconds")
    machine = results.get("machine", {})
    ax.set_title(f"cnocc build time by stage ({machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, "
                 f"{results.get('date', '')[:10]})", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1].strip())
    print(plot(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")), Path(sys.argv[2])))
