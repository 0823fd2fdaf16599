"""The `cnocc` command: thin wrappers that call the pipeline and set the exit code."""

from __future__ import annotations

import json
import sys
import time
from functools import partial
from pathlib import Path

import click

from cnocc import __version__, paths
from cnocc.importers.esco_snapshot import MAPPINGS_DIR, SnapshotError, extract_esco
from cnocc.importers.structure_table import StructureTableError, import_structure_table
from cnocc.model.errors import DataError, ValidationFailed
from cnocc.model.terms import Converter
from cnocc.pipeline.build import DERIVED, Project, asserted_union, build
from cnocc.pipeline.progress import Progress
from cnocc.store.embedded import memory_store
from cnocc.store.queries import ROW_FORMATS, format_rows, load_build, resolve, run, run_in_store
from cnocc.validate import ENGINES, load_shapes, report_text, validate

data_option = click.option("--data", "data_dir", type=click.Path(path_type=Path), default=paths.DATA_DIR,
                           show_default=True, help="Folder of source tables.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cnocc")
def main() -> None:
    """cnocc: China's national occupational classification as linked data."""


@main.command("build")
@click.option("--out", type=click.Path(path_type=Path), default=paths.DIST_DIR, show_default=True,
              help="Folder to write the exports into; replaced only when the build succeeds.")
@data_option
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@click.option("--verbose", "-v", is_flag=True, help="Print each stage's time and memory, even when output is not a terminal.")
@click.option("--profile", "profile_file", type=click.Path(path_type=Path), default=None,
              help="Write each stage's seconds and peak memory (MB) to this JSON file.")
def build_cmd(out: Path, data_dir: Path, quiet: bool, verbose: bool, profile_file: Path | None) -> None:
    """Read the source tables, build, reason, validate and export every graph.

    On a terminal a status line shows the running stage; piped or in CI the build prints only its
    summary, and --quiet not even that."""
    start = time.perf_counter()
    progress = Progress(level=0 if quiet else 2 if verbose else 1)
    try:
        result = build(Project(data=data_dir), out, progress)
    except DataError as exc:
        click.echo(f"error: the source data has {len(exc.problems)} problem(s); nothing was written.", err=True)
        for p in exc.problems:
            click.echo(f"  {p}", err=True)
        sys.exit(1)
    except ValidationFailed as exc:
        click.echo("error: the built graph breaks the shapes; nothing was written.", err=True)
        click.echo(exc.report, err=True)
        sys.exit(1)
    total = time.perf_counter() - start
    if profile_file is not None:
        counts = result.counts()
        profile = {"total_s": round(total, 3), "quads": sum(counts.values()), "graphs": counts,
                   "notes": result.notes, **progress.profile()}
        profile_file.write_text(json.dumps(profile, indent=1) + "\n", encoding="utf-8")
    if quiet:
        return
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    for name, n in result.counts().items():
        click.echo(f"{name:26} {n:7} triples")
    if result.unmatched:
        click.echo(f"{len(result.unmatched)} announced name(s) match no 2022 occupation and are kept without a link:")
        for u in result.unmatched:
            click.echo(f"  {u.announcement}: {u.name} ({u.reason})")
    click.echo(f"wrote {out} in {total:.1f} s")


def _run_import(importer, source: Path, out: Path, error: type[Exception]) -> None:
    """Importers write all or nothing; say which, and exit 1 on failure."""
    try:
        summary = importer(source, out)
    except error as exc:
        click.echo(f"error: {exc}; nothing was written.", err=True)
        sys.exit(1)
    click.echo(str(summary))


@main.command("import-structure-table")
@click.argument("pdf", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=paths.DATA_DIR / "2022", show_default=True,
              help="Folder for groups.csv and occupations.csv.")
def import_cmd(pdf: Path, out: Path) -> None:
    """For maintainers: read the 2022 edition's official structure table (PDF) into data/2022/."""
    _run_import(import_structure_table, pdf, out, StructureTableError)


@main.command("import-esco")
@click.argument("esco_csv", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=paths.DATA_DIR / "reference", show_default=True,
              help="Folder for isco08-groups.csv and esco-occupations.csv.")
@click.option("--mappings", type=click.Path(path_type=Path), default=MAPPINGS_DIR, show_default=True,
              help="Folder of *.sssom.tsv files whose ESCO occupations are snapshotted.")
def import_esco_cmd(esco_csv: Path, out: Path, mappings: Path) -> None:
    """For maintainers: extract the ISCO-08 groups and the mapped ESCO occupations from ESCO v1.2's CSV."""
    _run_import(partial(extract_esco, mappings_dir=mappings), esco_csv, out, SnapshotError)


@main.command("load")
@click.argument("endpoint")
@click.option("--dist", type=click.Path(path_type=Path), default=paths.DIST_DIR, show_default=True,
              help="Built folder whose graphs to load.")
@click.option("--graph-param", default="graph", show_default=True,
              help="Query parameter naming the graph (Virtuoso: graph-uri).")
@click.option("--user", default=None, help="User name, if the store asks for one.")
@click.option("--password", default=None, envvar="CNOCC_LOAD_PASSWORD", help="Password (or CNOCC_LOAD_PASSWORD).")
@click.option("--digest", is_flag=True, help="Use HTTP digest authentication (Virtuoso) instead of basic.")
def load_cmd(endpoint: str, dist: Path, graph_param: str, user: str | None, password: str | None, digest: bool) -> None:
    """Load every named graph of a build into a store's Graph Store Protocol ENDPOINT (replacing each graph)."""
    import httpx

    from cnocc.store.loading import LoadError, graph_bodies, push

    auth = None
    if user is not None:
        auth = (httpx.DigestAuth if digest else httpx.BasicAuth)(user, password or "")
    try:
        graphs = graph_bodies(dist)
    except FileNotFoundError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    try:
        report = push(endpoint, graphs, graph_param=graph_param, auth=auth,
                      progress=lambda s: click.echo(s, nl=False, err=True))
    except LoadError as exc:
        click.echo(f"\nerror: {exc}", err=True)
        loaded = ", ".join(exc.loaded) if exc.loaded else "none"
        click.echo(f"graphs loaded before the failure: {loaded}; not loaded: "
                   f"{len(graphs) - len(exc.loaded)} of {len(graphs)}", err=True)
        sys.exit(1)
    total = sum(n for _, n, _ in report.loaded)
    click.echo(f"loaded {len(report.loaded)} graphs ({total} triples) into {endpoint}")


@main.command("serve")
@click.argument("dist", type=click.Path(path_type=Path), default=paths.DIST_DIR)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--query-timeout", default=10.0, show_default=True, type=float, help="Seconds a SPARQL query may run.")
@click.option("--max-rows", default=10_000, show_default=True, type=int, help="Rows or triples a SPARQL query may return.")
@click.option("--sparql-workers", default=2, show_default=True, type=int, help="Processes answering SPARQL queries.")
@click.option("--worker-memory-mb", default=2048, show_default=True, type=int,
              help="Memory one SPARQL worker may use (0: no limit).")
def serve_cmd(dist: Path, host: str, port: int, query_timeout: float, max_rows: int, sparql_workers: int,
              worker_memory_mb: int) -> None:
    """Serve a build (DIST, default dist/): concept pages, search, SPARQL, dereferenceable URIs."""
    import uvicorn

    from cnocc.server.app import create_app
    from cnocc.server.settings import Settings

    settings = Settings(dist=dist.resolve(), query_timeout=query_timeout, max_rows=max_rows,
                        sparql_workers=sparql_workers, worker_memory_mb=worker_memory_mb)
    try:
        app = create_app(settings)
    except FileNotFoundError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"cnocc serves {settings.dist} at http://{host}:{port}/ (Ctrl-C stops)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)


@main.command("reference")
@click.option("--dist-table", is_flag=True, help="Print only the table of the files in dist/ (the README's).")
def reference_cmd(dist_table: bool) -> None:
    """Print the reference page of commands, bundled queries and shapes (docs/reference.md)."""
    from cnocc import reference

    click.echo(reference.dist_table() if dist_table else reference.render(main), nl=False)


@main.command("validate")
@click.argument("dist", type=click.Path(path_type=Path), default=paths.DIST_DIR)
@click.option("--shapes", "shapes_dir", type=click.Path(path_type=Path), default=paths.SHAPES_DIR, show_default=True)
@click.option("--engine", type=click.Choice(ENGINES), default="auto", show_default=True,
              help="auto: the shapes compiled to SPARQL in a store, as the build runs them (pyshacl only for shapes "
                   "the compiler does not cover); pyshacl: the reference implementation alone.")
def validate_cmd(dist: Path, shapes_dir: Path, engine: str) -> None:
    """Validate a built graph (DIST, default dist/) against the SHACL shapes."""
    conv = Converter()
    try:
        store = memory_store(dist, exclude=DERIVED, conv=conv) if engine == "auto" else None
        as_rdflib = lambda: asserted_union({str(c.identifier).rsplit("/", 1)[-1]: c  # noqa: E731
                                            for c in load_build(dist).graphs()})
        data = store if store is not None else as_rdflib()
    except FileNotFoundError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    conforms, results, how = validate(data, load_shapes(shapes_dir), conv=conv, as_rdflib=as_rdflib, engine=engine)
    if how:
        click.echo(f"note: {how}", err=True)
    click.echo(report_text(results))
    sys.exit(0 if conforms else 1)


@main.command("query")
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(ROW_FORMATS), default="table", show_default=True)
@click.option("--dist", type=click.Path(path_type=Path), default=paths.DIST_DIR, show_default=True,
              help="Built folder to query.")
@click.option("--engine", type=click.Choice(["oxigraph", "rdflib"]), default="oxigraph", show_default=True,
              help="oxigraph: the build's N-Quads in an in-memory store (literals in the store's canonical form); "
                   "rdflib: the reference, reading the TriG dump (slow on large builds).")
def query_cmd(query: str, fmt: str, dist: Path, engine: str) -> None:
    """Run a bundled query by NAME (see queries/) or a .rq FILE on the built graph."""
    try:
        q = resolve(query)
        if engine == "rdflib":
            columns, rows = run(load_build(dist), q)
        else:
            columns, rows = run_in_store(memory_store(dist), q)
    except (KeyError, FileNotFoundError) as exc:
        click.echo(f"error: {exc.args[0]}", err=True)
        sys.exit(2)
    except Exception as exc:  # a malformed query file: say so plainly
        click.echo(f"error: query '{query}' failed: {exc}", err=True)
        sys.exit(1)
    click.echo(format_rows(columns, rows, fmt), nl=False)


if __name__ == "__main__":
    main()
