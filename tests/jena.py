"""Running Debian's Apache Jena 4.5.0 (libapache-jena-java) and raptor's `rapper` from the tests.

Debian ships Jena as jars without wrapper scripts, with two traps (shared/guides/stores.md):
- `/usr/share/java/*` as classpath holds several SLF4J bindings: list Jena's jars and their
  dependencies by name instead;
- `jena-core.jar` relocates its bundled Xerces classes to `xerces.*` but leaves their message
  resources under `org/apache/jena/ext/xerces/`, so Jena dies in `JenaSystem.init`. A small jar
  with those resources re-rooted under `xerces/` is built here at test time, into a cache folder
  outside the work tree (never committed), and appended to the classpath.

Under CNOCC_REQUIRE_STORES=1 (set by .ci/run) a missing tool fails the test; elsewhere it skips.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import subprocess
import tempfile
import zipfile
from functools import cache
from pathlib import Path

import pytest

JAVA_DIR = Path(os.environ.get("CNOCC_JAVA_DIR", "/usr/share/java"))
JENA_CORE = JAVA_DIR / "jena-core.jar"
JENA_JARS = ["jena-base", "jena-core", "jena-iri", "jena-arq", "jena-shacl", "jena-shex", "jena-rdfconnection",
             "jena-dboe-base", "jena-dboe-index", "jena-dboe-storage", "jena-dboe-trans-data",
             "jena-dboe-transaction", "jena-tdb", "jena-tdb2", "jena-cmds"]
DEPENDENCIES = ["commons-cli", "commons-codec", "commons-compress", "commons-csv", "commons-io", "commons-lang3",
                "dexx.collection", "gson", "guava", "httpclient", "httpcore", "jackson-core", "jackson-databind",
                "jackson-annotations", "jakarta.json-api", "jsonld-java", "protobuf", "thrift", "titanium-json-ld",
                "slf4j-api", "slf4j-simple", "jcl-over-slf4j",
                "httpclient-cache"]  # not in stores.md's list: Jena's JSON-LD 1.0 reader (jsonld-java) needs it
XERCES_PREFIX = "org/apache/jena/ext/xerces/"


def required() -> bool:
    return os.environ.get("CNOCC_REQUIRE_STORES") == "1"


def need(reason: str | None) -> None:
    """Skip (or, under CNOCC_REQUIRE_STORES=1, fail) when `reason` says a tool is missing."""
    if reason is None:
        return
    if required():
        pytest.fail(f"{reason} (CNOCC_REQUIRE_STORES=1: the stores must be installed)", pytrace=False)
    pytest.skip(reason)


# --- finding the tools ------------------------------------------------------------------------------

def java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def rapper() -> str | None:
    return shutil.which("rapper")


def jena_missing() -> str | None:
    """Why Jena cannot run here, or None."""
    if java() is None:
        return "no `java` on PATH (install a JRE, e.g. Debian's default-jre-headless)"
    missing = [n for n in JENA_JARS + DEPENDENCIES if not (JAVA_DIR / f"{n}.jar").is_file()]
    if missing:
        return (f"{len(missing)} Jena jar(s) missing from {JAVA_DIR}, e.g. {', '.join(missing[:3])}"
                " (install libapache-jena-java)")
    return None


def rapper_missing() -> str | None:
    return None if rapper() else "no `rapper` on PATH (install raptor2-utils)"


# --- the classpath ------------------------------------------------------------------------------------

def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(tempfile.gettempdir(), f"cnocc-cache-{os.getuid()}")
    d = Path(base) / "cnocc-jena"
    d.mkdir(parents=True, exist_ok=True)
    return d


def xerces_resources_jar() -> Path:
    """The Xerces message resources of jena-core.jar under the package its classes were moved to.

    Named after a digest of jena-core.jar, so an upgraded Jena gets a fresh one; written to a
    temporary name and renamed, so parallel runs never see half a jar."""
    data = JENA_CORE.read_bytes()
    out = cache_dir() / f"jena-xerces-resources-{hashlib.sha256(data).hexdigest()[:16]}.jar"
    if out.is_file():
        return out
    fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".part")
    os.close(fd)
    try:
        with zipfile.ZipFile(JENA_CORE) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
            n = 0
            for info in src.infolist():
                if info.filename.startswith(XERCES_PREFIX) and not info.is_dir() \
                        and not info.filename.endswith(".class"):
                    dst.writestr("xerces/" + info.filename[len(XERCES_PREFIX):], src.read(info))
                    n += 1
        if n == 0:
            raise RuntimeError(f"no Xerces resources under {XERCES_PREFIX} in {JENA_CORE}")
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


@cache
def classpath() -> str:
    jars = [JAVA_DIR / f"{n}.jar" for n in JENA_JARS + DEPENDENCIES]
    return os.pathsep.join([str(j) for j in jars] + [str(xerces_resources_jar())])


# --- running commands ---------------------------------------------------------------------------------

def run(main_class: str, *args: str, timeout: float = 300, check: bool = True,
        merge_output: bool = False) -> subprocess.CompletedProcess:
    """One Jena command-line tool (riotcmd.riot, arq.sparql, shacl.shacl, tdb2.tdbloader, ...).

    merge_output: log lines (stderr) and results (stdout) in one stream, in the order written
    (both are autoflushing line streams in Java), e.g. to tell which file a riot warning is about."""
    cmd = [java(), "-Xmx2g", "-cp", classpath(), main_class, *args]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT if merge_output else subprocess.PIPE,
                       text=True, encoding="utf-8", timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"{main_class} {' '.join(args)} exited {p.returncode}:\n{(p.stderr or p.stdout)[-3000:]}")
    return p


def riot_validate(*files: Path | str) -> subprocess.CompletedProcess:
    return run("riotcmd.riot", "--validate", *map(str, files), check=False)


def sparql(data: Path | str, query: Path | str, *extra: str) -> str:
    """ARQ on a file, results as SPARQL CSV."""
    return run("arq.sparql", f"--data={data}", f"--query={query}", "--results=CSV", *extra).stdout


def tdb2_load(loc: Path | str, *files: Path | str) -> subprocess.CompletedProcess:
    return run("tdb2.tdbloader", f"--loc={loc}", *map(str, files))


def tdb2_query(loc: Path | str, query: Path | str, *extra: str, results: str = "CSV") -> str:
    """A query on a TDB2 database; the default graph is the union of the named graphs."""
    return run("tdb2.tdbquery", f"--loc={loc}", "--set", "tdb:unionDefaultGraph=true", f"--query={query}",
               f"--results={results}", *extra).stdout


def shacl_validate(shapes: Path | str, data: Path | str) -> str:
    """Jena's SHACL report as Turtle (it exits 0 whether or not the data conforms: read the report)."""
    return run("shacl.shacl", "validate", f"--shapes={shapes}", f"--data={data}").stdout


def rapper_count(fmt: str, path: Path | str) -> subprocess.CompletedProcess:
    """`rapper -i FMT -c FILE`: parses the file, writes warnings, errors and the triple count on stderr.

    Not `-q`: it hides the count ("Parsing returned N triples") along with the warnings."""
    return subprocess.run([rapper(), "-i", fmt, "-c", str(path)], capture_output=True, text=True, timeout=300)


# --- many queries or validations in one JVM ----------------------------------------------------------
#
# Each Jena command starts a JVM and initialises Jena: about 2 s before any work, and the data is
# parsed again every time. Tests that run many queries or validations therefore use this small
# program, compiled at test time with `javac` (the JDK, present on the machines here), which does the
# same as `tdb2.tdbquery --set tdb:unionDefaultGraph=true --results=CSV` and `shacl validate`
# (ShaclValidator.get().validate(shapes, data), report written as Turtle) in one JVM. Without javac
# the same work is done by the command-line tools, one JVM per query or case.

BATCH_SOURCE = r"""
import java.io.*;
import java.nio.file.*;
import java.util.*;
import org.apache.jena.graph.*;
import org.apache.jena.query.*;
import org.apache.jena.riot.*;
import org.apache.jena.shacl.*;
import org.apache.jena.sparql.graph.GraphFactory;
import org.apache.jena.sys.JenaSystem;
import org.apache.jena.system.Txn;
import org.apache.jena.tdb2.TDB2;
import org.apache.jena.tdb2.TDB2Factory;

public class CnoccJenaBatch {
    public static void main(String[] a) throws Exception {
        JenaSystem.init();
        if (a[0].equals("queries")) queries(a);
        else if (a[0].equals("shacl")) shacl(a[1]);
        else throw new IllegalArgumentException(a[0]);
    }

    static void fail(Path out, Exception e) throws IOException {
        StringWriter w = new StringWriter();
        e.printStackTrace(new PrintWriter(w));
        Files.writeString(Paths.get(out + ".err"), w.toString());
    }

    /** queries LOC OUTDIR Q.rq... : like tdb2.tdbquery --set tdb:unionDefaultGraph=true --results=CSV */
    static void queries(String[] a) throws Exception {
        ARQ.getContext().set(TDB2.symUnionDefaultGraph, true);
        Dataset ds = TDB2Factory.connectDataset(a[1]);
        for (int i = 3; i < a.length; i++) {
            Path q = Paths.get(a[i]);
            Path out = Paths.get(a[2], q.getFileName().toString().replaceFirst("[.]rq$", "") + ".csv");
            try {
                Query query = QueryFactory.read(q.toString());
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                Txn.executeRead(ds, () -> {
                    try (QueryExecution qe = QueryExecutionFactory.create(query, ds)) {
                        ResultSetFormatter.outputAsCSV(buf, qe.execSelect());
                    }
                });
                Files.write(out, buf.toByteArray());
            } catch (Exception e) {
                fail(out, e);
            }
        }
    }

    /** shacl JOBS : each line OUT<TAB>SHAPES<TAB>DATA[<TAB>REMOVED<TAB>ADDED]; DATA is parsed once and
        copied per job, REMOVED/ADDED (N-Triples) change the copy; the report goes to OUT as Turtle. */
    static void shacl(String jobs) throws Exception {
        Map<String, Graph> loaded = new HashMap<>();
        for (String line : Files.readAllLines(Paths.get(jobs))) {
            if (line.isEmpty()) continue;
            String[] f = line.split("\t", -1);
            Path out = Paths.get(f[0]);
            try {
                Graph base = loaded.computeIfAbsent(f[2], RDFDataMgr::loadGraph);
                Graph data = GraphFactory.createDefaultGraph();
                GraphUtil.addInto(data, base);
                if (f.length > 3 && !f[3].isEmpty()) GraphUtil.deleteFrom(data, RDFDataMgr.loadGraph(f[3]));
                if (f.length > 4 && !f[4].isEmpty()) GraphUtil.addInto(data, RDFDataMgr.loadGraph(f[4]));
                Graph shapes = RDFDataMgr.loadGraph(f[1]);
                ValidationReport report = ShaclValidator.get().validate(shapes, data);
                try (OutputStream os = Files.newOutputStream(out)) {
                    RDFDataMgr.write(os, report.getGraph(), Lang.TTL);
                }
            } catch (Exception e) {
                fail(out, e);
            }
        }
    }
}
"""

_compile_lock = threading.Lock()


def javac() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "javac").is_file():
        return str(Path(home) / "bin" / "javac")
    return shutil.which("javac")


def batch_classes() -> Path | None:
    """The compiled batch program (cached by a digest of its source and classpath), or None without javac."""
    if javac() is None:
        return None
    with _compile_lock:
        key = hashlib.sha256((BATCH_SOURCE + classpath()).encode()).hexdigest()[:16]
        out = cache_dir() / f"batch-{key}"
        if (out / "CnoccJenaBatch.class").is_file():
            return out
        tmp = Path(tempfile.mkdtemp(dir=cache_dir(), prefix="batch-build-"))
        try:
            (tmp / "CnoccJenaBatch.java").write_text(BATCH_SOURCE, encoding="utf-8")
            p = subprocess.run([javac(), "-nowarn", "-cp", classpath(), "-d", str(tmp), str(tmp / "CnoccJenaBatch.java")],
                               capture_output=True, text=True, timeout=300)
            if p.returncode != 0:
                raise AssertionError(f"javac failed on the batch program:\n{p.stderr[-3000:]}")
            try:
                tmp.rename(out)
            except OSError:  # another run got there first
                shutil.rmtree(tmp, ignore_errors=True)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return out


def _batch(*args: str) -> subprocess.Popen:
    cmd = [java(), "-Xmx2g", "-cp", os.pathsep.join([str(batch_classes()), classpath()]), "CnoccJenaBatch", *args]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")


def _finish(p: subprocess.Popen, timeout: float = 600) -> None:
    out, err = p.communicate(timeout=timeout)
    if p.returncode != 0:
        raise AssertionError(f"Jena batch exited {p.returncode}:\n{err[-3000:]}")


def _read(out: Path) -> str:
    err = Path(str(out) + ".err")
    if err.is_file():
        raise AssertionError(f"Jena failed on {out.name}:\n{err.read_text(encoding='utf-8')[-3000:]}")
    return out.read_text(encoding="utf-8")


def tdb2_queries(loc: Path, queries: dict[str, Path], work: Path) -> dict[str, str]:
    """Each query's CSV answer on a TDB2 database whose default graph is the union of its graphs."""
    work.mkdir(parents=True, exist_ok=True)
    if batch_classes() is None:
        return {name: tdb2_query(loc, q) for name, q in queries.items()}
    staged = {}
    for name, q in queries.items():  # the program names its output after the query file
        staged[name] = work / f"{name}.rq"
        shutil.copyfile(q, staged[name])
    _finish(_batch("queries", str(loc), str(work), *map(str, staged.values())))
    return {name: _read(work / f"{name}.csv") for name in queries}


class ShaclJob:
    """One validation: `data`, or `data` less `removed` plus `added` (N-Triples files), against `shapes`."""

    def __init__(self, shapes: Path, data: Path, removed: Path | None = None, added: Path | None = None):
        self.shapes, self.data, self.removed, self.added = shapes, data, removed, added


class ShaclBatch:
    """Jena validations running in the background (one JVM) while the caller does other work."""

    def __init__(self, jobs: dict[str, ShaclJob], work: Path):
        work.mkdir(parents=True, exist_ok=True)
        self.jobs, self.work = jobs, work
        self.outs = {k: work / f"report-{i}.ttl" for i, k in enumerate(jobs)}
        self.proc = None
        if batch_classes() is not None:
            lines = ["\t".join([str(self.outs[k]), str(j.shapes), str(j.data), str(j.removed or ""), str(j.added or "")])
                     for k, j in jobs.items()]
            (work / "jobs.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
            self.proc = _batch("shacl", str(work / "jobs.tsv"))

    def reports(self) -> dict[str, str]:
        if self.proc is None:  # no javac: one `shacl validate` per job on the whole changed graph
            return {k: shacl_validate(j.shapes, _materialise(j, self.work / f"data-{i}.nt"))
                    for i, (k, j) in enumerate(self.jobs.items())}
        _finish(self.proc)
        return {k: _read(out) for k, out in self.outs.items()}


def _materialise(job: ShaclJob, path: Path) -> Path:
    if job.removed is None and job.added is None:
        return job.data
    removed = set(job.removed.read_text(encoding="utf-8").splitlines()) if job.removed else set()
    lines = [ln for ln in job.data.read_text(encoding="utf-8").splitlines() if ln not in removed]
    if job.added:
        lines += job.added.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
