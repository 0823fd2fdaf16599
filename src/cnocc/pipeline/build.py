"""The whole pipeline: read sources → build graphs → reason → validate → export.

The tables become rdflib graphs (readable code for what each row means); from there on the
graphs live in a pyoxigraph store: the OWL-RL rules the schema needs run by forward chaining over
the properties they touch (`cnocc.reason`), the shapes run as SPARQL (`cnocc.validate`), and
the exports are written by pyoxigraph (`cnocc.export`). owlrl and
pyshacl remain the reference: they take over whenever the schema or the shapes use something
the store path does not cover, and the differential tests hold the two paths to the same answers.

Output goes to a temporary folder beside the target and replaces it only when everything has
succeeded, so a failed build leaves the previous `dist/` exactly as it was.
"""

from __future__ import annotations

import gc
import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from cnocc import paths
from cnocc.export import EXPORTS, SSSOM_TSV, Bundle, write_file
from cnocc.graphs import build_graphs, mappings, pinyin_label, pinyin_names
from cnocc.graphs.linking import Unmatched, unmatched_batch_names
from cnocc.graphs.metadata import describe
from cnocc.model.errors import ValidationFailed
from cnocc.model.terms import Converter, add_graphs, convert_graphs
from cnocc.pipeline.alongside import Alongside, timed
from cnocc.pipeline.progress import Progress
from cnocc.reason import reason, standard_axioms
from cnocc.sources.dataset import load
from cnocc.sources.sssom import check_subjects
from cnocc.sources.sssom import load as load_mapping_sets
from cnocc.validate import load_shapes, report_text, validate


@dataclass
class Project:
    """Where a build reads from; tests point `data` at a broken copy."""

    data: Path = paths.DATA_DIR
    ontology: Path = paths.ONTOLOGY_DIR
    shapes: Path = paths.SHAPES_DIR


@dataclass
class BuildResult:
    bundle: Bundle
    progress: Progress
    unmatched: list[Unmatched] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # which path reasoning and validation took, and why
    checking: Alongside | None = None  # validation, until `check()` has its answer

    def check(self) -> None:
        """Wait for validation; raise ValidationFailed if the graphs break a shape."""
        if self.checking is None:
            return
        conforms, results, how = self.checking.result()
        self.checking = None
        if how:
            self.notes.append(how)
        if not conforms:
            raise ValidationFailed(report_text(results))

    @property
    def timings(self) -> dict[str, float]:
        return self.progress.timings()

    def counts(self) -> dict[str, int]:
        return self.bundle.counts()


DERIVED = ("inferred", "metadata")
LINKS = ("mappings", "reference")  # kept out of reasoning: skos:broadMatch is a sub-property of skos:broader


def asserted_union(graphs: dict[str, Graph], exclude: tuple[str, ...] = ()) -> Graph:
    u = Graph()
    for name in sorted(graphs):
        if name not in DERIVED + exclude:
            for t in graphs[name]:
                u.add(t)
    return u


def _validate(graphs: dict[str, Graph], triples: dict[str, list[ox.Triple]], conv: Converter, project: Project):
    start = time.perf_counter()
    # the asserted union in one default graph: the shapes' queries read one graph instead of
    # merging nine at every pattern (3× faster at 300k triples), and a triple held by two graphs
    # counts once, as in pyshacl's union. Filled from the parent's conversion of the graphs, while
    # the parent fills its own store with them.
    data = ox.Store()
    data.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for name in sorted(triples) for t in triples[name])
    conforms, results, how = validate(data, load_shapes(project.shapes), conv=conv, as_rdflib=lambda: asserted_union(graphs))
    return (conforms, results, how), [("validate", time.perf_counter() - start, f"{len(results)} problem(s)")]


def make_graphs(project: Project, progress: Progress | None = None, wait: bool = True) -> BuildResult:
    """Build, reason and validate; raise DataError or ValidationFailed.

    With `wait` false, validation may still be running when this returns (in a child process):
    `BuildResult.check()` waits for it, and `write` does before it publishes anything."""
    progress = progress or Progress(level=0)
    notes: list[str] = []
    # Two pieces of the start take seconds and read nothing the build makes: sssom's check and
    # RDF of the mapping files, and the pinyin of every name. Each runs in a child (see
    # `alongside`) while this process reads the tables and builds the graphs; this process then
    # never loads sssom.
    sssom = Alongside("check mappings", lambda: timed("check mappings", lambda: mappings.sssom_work(project.data)),
                      progress)
    spelling = None
    try:
        with progress.stage("read sources") as st:
            ds = load(project.data)
            st.items = f"{sum(len(ds.rows(f)) for f in ds.tables)} rows"
        names = pinyin_names(ds)
        spelling = Alongside("pinyin", lambda: timed("pinyin", lambda: {n: pinyin_label(n) for n in names},
                                                      f"{len(names)} names"), progress)
        with progress.stage("build graphs") as st:
            ontology = Graph().parse(project.ontology / "cnocc.ttl", format="turtle")
            graphs = build_graphs(ds, ontology, spelling.result)
            checked = sssom.result()
            mapping_files, targets = load_mapping_sets(project.data, {name: v[0] for name, v in checked.items()})
            check_subjects(mapping_files, [graphs[n] for n in sorted(graphs)])
            graphs["mappings"] = mappings.mapping_graph(mapping_files, {name: v[1] for name, v in checked.items()})
            graphs["reference"] = mappings.reference_graph(targets, mapping_files)
            st.items = f"{sum(len(g) for g in graphs.values())} triples"
    except BaseException:
        for child in (sssom, spelling):
            if child is not None:
                child.stop()
        raise
    checking = None
    try:
        with progress.stage("load store") as st:
            conv = Converter()
            triples = convert_graphs(graphs, conv)
            # validation reads only the asserted graphs: it runs in a forked child while this
            # process loads the store, reasons and describes (see `alongside`)
            checking = Alongside("validate", lambda: _validate(graphs, triples, conv, project), progress)
            store = ox.Store()
            add_graphs(store, triples)
            st.items = f"{len(store)} quads"
        with progress.stage("reason") as st:
            national = {n: graphs[n] for n in sorted(graphs) if n not in DERIVED + LINKS}
            inferred, how = reason(store, national, standard_axioms(project.ontology), conv, progress.note)
            if how:
                notes.append(how)
            st.items = f"{len(inferred)} triples inferred"
        with progress.stage("describe"):
            verbatim = {mf.path.name: (SSSOM_TSV, mf.text) for mf in mapping_files}
            files = {e.file: e.media_type for e in EXPORTS} | {name: v[0] for name, v in verbatim.items()}
            triples["inferred"] = inferred
            metadata = describe(triples, files, mappings.linksets(mapping_files, graphs["mappings"]))
            graphs["metadata"] = metadata
            triples["metadata"] = [ox.Triple(conv.to_ox(s), conv.to_ox(p), conv.to_ox(o)) for s, p, o in metadata]
            context = json.loads((project.ontology / "context.jsonld").read_text(encoding="utf-8"))
            bundle = Bundle(triples, context, verbatim, converter=conv, store=store,
                            rdflib_graphs={n: g for n, g in graphs.items() if isinstance(g, Graph)})
            bundle.union_triples()  # now, once, rather than in each process that writes
    except BaseException:
        if checking is not None:
            checking.stop()  # no one will ask for its answer
        raise
    result = BuildResult(bundle, progress, unmatched_batch_names(ds), notes, checking)
    if wait:
        result.check()
    return result


# Written by a forked child while this process writes the rest (see `alongside`): about half the
# export time at a million triples, and none of them reads what the others write.
ALONGSIDE = ("cnocc.jsonld", "cnocc.rdf", "occupations.csv", "work-types.csv")


def _write_exports(bundle: Bundle, folder: Path, files: tuple[str, ...]):
    stages = []
    for e in EXPORTS:
        if e.file in files:
            start = time.perf_counter()
            write_file(e.write, bundle, folder / e.file)
            stages.append((f"export {e.file}", time.perf_counter() - start, ""))
    return None, stages


def write(result: BuildResult, out: Path) -> None:
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    writing = None
    try:
        # the child for the other half starts once validation is done, so that no more than two
        # processes hold the graphs at once (each costs memory: see `alongside`)
        start_writing = lambda: Alongside("export", lambda: _write_exports(result.bundle, tmp, ALONGSIDE), result.progress)
        for e in EXPORTS:
            if e.file not in ALONGSIDE:
                if writing is None and (result.checking is None or result.checking.done()):
                    result.check()
                    writing = start_writing()
                with result.progress.stage(f"export {e.file}"):
                    write_file(e.write, result.bundle, tmp / e.file)
        if writing is None:
            result.check()
            writing = start_writing()
        writing.result()
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
        if writing is not None:
            writing.stop()  # before the folder goes, or the child could write into it again
        if result.checking is not None:
            result.checking.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def build(project: Project, out: Path, progress: Progress | None = None) -> BuildResult:
    # Python's cycle collector walks every live object each time enough new ones pile up: with
    # a million triples' worth of terms alive that costs seconds a stage (reasoning at 1M: 8.6 s
    # with it, 5.8 s without), for cycles the build hardly makes. It is off while the build
    # runs, and collects once afterwards.
    enabled = gc.isenabled()
    gc.disable()
    try:
        result = make_graphs(project, progress, wait=False)
        write(result, out)
    finally:
        if enabled:
            gc.enable()
    return result
