"""The whole pipeline: read sources → build graphs → reason → validate → export.

Output goes to a temporary folder beside the target and replaces it only when everything has
succeeded, so a failed build leaves the previous `dist/` exactly as it was.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from . import mappings, paths
from .dataset import load
from .errors import ValidationFailed
from .exports import EXPORTS, SSSOM_TSV, Bundle
from .graphs import build_graphs
from .linking import Unmatched, unmatched_batch_names
from .metadata import describe
from .reasoning import infer, standard_axioms
from .validation import load_shapes, report_text, validate


@dataclass
class Project:
    """Where a build reads from; tests point `data` at a broken copy."""

    data: Path = paths.DATA_DIR
    ontology: Path = paths.ONTOLOGY_DIR
    shapes: Path = paths.SHAPES_DIR


@dataclass
class BuildResult:
    bundle: Bundle
    timings: dict[str, float] = field(default_factory=dict)
    unmatched: list[Unmatched] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {name: len(g) for name, g in sorted(self.bundle.graphs.items())}


DERIVED = ("inferred", "metadata")
LINKS = ("mappings", "reference")  # kept out of reasoning: skos:broadMatch is a sub-property of skos:broader


def asserted_union(graphs: dict[str, Graph], exclude: tuple[str, ...] = ()) -> Graph:
    u = Graph()
    for name in sorted(graphs):
        if name not in DERIVED + exclude:
            for t in graphs[name]:
                u.add(t)
    return u


def make_graphs(project: Project) -> BuildResult:
    """Build, reason and validate in memory; raise DataError or ValidationFailed."""
    t = {}
    start = time.perf_counter()
    ds = load(project.data)
    mapping_files, targets = mappings.load(project.data)
    t["read sources"] = time.perf_counter() - start
    s = time.perf_counter()
    ontology = Graph().parse(project.ontology / "cnocc.ttl", format="turtle")
    graphs = build_graphs(ds, ontology)
    national = asserted_union(graphs)
    mappings.check_subjects(mapping_files, national)
    graphs["mappings"] = mappings.mapping_graph(mapping_files)
    graphs["reference"] = mappings.reference_graph(targets, mapping_files)
    t["build graphs"] = time.perf_counter() - s
    s = time.perf_counter()
    graphs["inferred"] = infer(national, standard_axioms(project.ontology))
    t["reason"] = time.perf_counter() - s
    asserted = asserted_union(graphs)
    s = time.perf_counter()
    conforms, results = validate(asserted, load_shapes(project.shapes))
    t["validate"] = time.perf_counter() - s
    if not conforms:
        raise ValidationFailed(report_text(results))
    verbatim = {mf.path.name: (SSSOM_TSV, mf.text) for mf in mapping_files}
    files = {e.file: e.media_type for e in EXPORTS} | {name: v[0] for name, v in verbatim.items()}
    graphs["metadata"] = describe(graphs, files, mappings.linksets(mapping_files, graphs["mappings"]))
    context = json.loads((project.ontology / "context.jsonld").read_text(encoding="utf-8"))
    return BuildResult(Bundle(graphs, context, verbatim), t, unmatched_batch_names(ds))


def write(result: BuildResult, out: Path) -> None:
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        for e in EXPORTS:
            s = time.perf_counter()
            e.write(result.bundle, tmp / e.file)
            result.timings[f"export {e.file}"] = time.perf_counter() - s
        for name, (_, text) in sorted(result.bundle.verbatim.items()):
            (tmp / name).write_text(text, encoding="utf-8")
        old = None
        if out.exists():
            old = out.parent / f".{out.name}-old-{tmp.name}"
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def build(project: Project, out: Path) -> BuildResult:
    result = make_graphs(project)
    write(result, out)
    return result
