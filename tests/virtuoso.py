"""A throw-away Virtuoso 7 (Debian's virtuoso-opensource) for tests and benchmarks.

Each instance writes its own virtuoso.ini into a temporary folder, derived from the packaged
/etc/virtuoso-opensource-7/virtuoso.ini: every database file in that folder, loopback ports,
DirsAllowed naming the folders the bulk loader may read, modest buffers. It is started in the
foreground as `virtuoso-t +configfile INI +foreground`, is ready when `isql-vt` answers, and is
stopped by its PID; the folder is then deleted.
"""

from __future__ import annotations

import configparser
import csv
import io
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

PACKAGED_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
VIRTUOSO = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
ISQL = shutil.which("isql-vt") or "/usr/bin/isql-vt"


def available() -> bool:
    return Path(VIRTUOSO).exists() and Path(ISQL).exists() and PACKAGED_INI.is_file()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_ini(folder: Path, sql_port: int, http_port: int, dirs_allowed: list[Path]) -> Path:
    ini = configparser.ConfigParser(strict=False, interpolation=None, inline_comment_prefixes=(";",),
                                    comment_prefixes=(";",))
    ini.optionxform = str  # keep Virtuoso's spelling of the keys
    ini.read(PACKAGED_INI, encoding="utf-8")
    db = ini["Database"]
    for key, name in [("DatabaseFile", "virtuoso.db"), ("ErrorLogFile", "virtuoso.log"), ("LockFile", "virtuoso.lck"),
                      ("TransactionFile", "virtuoso.trx"), ("xa_persistent_file", "virtuoso.pxa")]:
        db[key] = str(folder / name)
    tmp = ini["TempDatabase"]
    tmp["DatabaseFile"] = str(folder / "virtuoso-temp.db")
    tmp["TransactionFile"] = str(folder / "virtuoso-temp.trx")
    p = ini["Parameters"]
    p["ServerPort"] = f"127.0.0.1:{sql_port}"
    p["DirsAllowed"] = ", ".join(["."] + [str(d) for d in dirs_allowed])
    p["NumberOfBuffers"] = "170000"  # ~1.3 GB at most: "2 GB free" in the packaged comments
    p["MaxDirtyBuffers"] = "130000"
    p["MaxQueryMem"] = "1G"
    p["ThreadsPerQuery"] = "2"  # two cores here
    http = ini["HTTPServer"]
    http["ServerPort"] = f"127.0.0.1:{http_port}"
    ini["URIQA"]["DefaultHost"] = f"127.0.0.1:{http_port}"
    ini["SPARQL"]["ResultSetMaxRows"] = "1000000"  # the packaged 10000 would silently truncate results
    ini["SPARQL"]["MaxQueryExecutionTime"] = "300"
    # Plugins are optional extras (wiki renderers, ...); a fresh test database does not need them.
    ini.remove_section("Plugins")
    path = folder / "virtuoso.ini"
    with open(path, "w", encoding="utf-8") as f:
        ini.write(f)
    return path


class Virtuoso:
    """One Virtuoso server on a fresh database in its own temporary folder."""

    def __init__(self, dirs_allowed: list[Path] = (), timeout: float = 120):
        self.folder = Path(tempfile.mkdtemp(prefix="cnocc-virtuoso-"))
        self.sql_port, self.http_port = _free_port(), _free_port()
        self.ini = write_ini(self.folder, self.sql_port, self.http_port, [Path(d).resolve() for d in dirs_allowed])
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.log = open(self.folder / "stdout.log", "wb")
        self.proc = subprocess.Popen([VIRTUOSO, "+configfile", str(self.ini), "+foreground"], cwd=self.folder,
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.started = time.monotonic()
        deadline = self.started + timeout
        while True:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                log = (self.folder / "virtuoso.log").read_text(errors="replace")[-3000:] \
                    if (self.folder / "virtuoso.log").exists() else ""
                self.stop()
                raise RuntimeError(f"virtuoso-t did not start:\n{log}")
            r = subprocess.run(self._isql_cmd("select 1;"), capture_output=True, text=True, timeout=30)
            if r.returncode == 0:
                break
            time.sleep(0.5)
        # The SQL port answers a little before the HTTP listener does.
        while True:
            try:
                urllib.request.urlopen(self.url + "/sparql?query=" + urllib.parse.quote("ASK {}"), timeout=5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("virtuoso-t: SQL is up but HTTP never answered")
                time.sleep(0.3)
        self.startup_seconds = time.monotonic() - self.started

    def _isql_cmd(self, sql: str) -> list[str]:
        return [ISQL, f"127.0.0.1:{self.sql_port}", "dba", "dba", "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF",
                "ECHO=OFF", "ERRORS=STDOUT", f"exec={sql}"]

    def isql(self, sql: str, timeout: float = 600) -> str:
        """Run SQL through isql-vt; raise with the output when any statement fails."""
        r = subprocess.run(self._isql_cmd(sql), capture_output=True, text=True, timeout=timeout)
        out = r.stdout + r.stderr
        if r.returncode != 0 or "*** Error" in out:
            raise RuntimeError(f"isql-vt failed ({r.returncode}) on {sql!r}:\n{out}")
        return out

    def bulk_load(self, folder: Path, pattern: str, graph: str = "http://default") -> list[tuple]:
        """ld_dir + rdf_loader_run + checkpoint; returns load_list rows (file, state, error) for the folder."""
        folder = Path(folder).resolve()
        self.isql(f"ld_dir('{folder}', '{pattern}', '{graph}'); rdf_loader_run(); checkpoint;")
        return self.load_list(folder)

    def load_list(self, folder: Path) -> list[tuple[str, int, str]]:
        """DB.DBA.load_list rows (file, state, error) for the files of `folder`; state 2 is done."""
        rows = self.sql_rows("select concat(ll_file, '|', cast(ll_state as varchar), '|', coalesce(ll_error, '')) "
                             f"from DB.DBA.load_list where ll_file like '{Path(folder).resolve()}/%'")
        return [(f, int(state), error) for f, state, error in (r.split("|", 2) for r in rows)]

    def sql_rows(self, sql: str) -> list[str]:
        """A one-column SELECT through isql-vt: one string a row (concat() the columns you need)."""
        return [line.rstrip() for line in self.isql(sql + ";").splitlines() if line.strip()]

    def query(self, text: str, accept: str = "text/csv", default_graphs: list[str] = (), timeout: float = 300) -> str:
        """A SPARQL query through /sparql (POST form), the answer as text."""
        form = [("query", text)] + [("default-graph-uri", g) for g in default_graphs]
        req = urllib.request.Request(self.url + "/sparql", data=urllib.parse.urlencode(form).encode(),
                                     headers={"Accept": accept,
                                              "Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.read().decode("utf-8")

    def graph_counts(self, graphs: list[str] | None = None) -> dict[str, int]:
        q = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        reader = csv.reader(io.StringIO(self.query(q), newline=""))
        next(reader)
        counts = {g: int(n) for g, n in reader}
        return counts if graphs is None else {g: n for g, n in counts.items() if g in graphs}

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)  # our own child, by its PID
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Virtuoso:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
