"""The SPARQL 1.1 Protocol endpoint `/sparql`: read-only, bounded, safe to expose on a public host.

Queries never run in the web process. Each runs in one of a few worker processes that open the
on-disk store read-only: a runaway query can only be stopped by killing its process (pyoxigraph
cannot be interrupted from Python), and killing a worker must never take the pages down with it.
A worker is used by one request at a time over its own pipe; the web process waits for the reply
without blocking the event loop and kills the worker when the time limit passes.

Choices a client can rely on (also stated on the HTML form):

* default graph = union of all named graphs, as `cnocc query` sees the build; `default-graph-uri`
  and `named-graph-uri` narrow the dataset as the protocol says (an IRI that is not absolute: 400);
* update requests (`application/sparql-update`, an `update` parameter, update syntax such as
  `INSERT DATA` or `LOAD` in `query`): 403, the endpoint is read-only;
* `SERVICE` anywhere in the query: 403, federated queries would make the server send requests
  (a query that mentions SERVICE but that the checking parser, rdflib's, cannot read: 400);
* malformed query: 400 with the parser's message; missing query: 400 (HTML form for browsers);
* query or body over `max_request_bytes`: 413; POST of another content type: 415;
* no acceptable result format: 406; more than `max_rows` rows or triples: 422;
* over `query_timeout` (waiting for a worker included): 503.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"

# --- content negotiation -------------------------------------------------------------------------


@dataclass(frozen=True)
class Format:
    media_type: str  # what the response says it is
    pyoxigraph: str  # attribute of QueryResultsFormat or RdfFormat
    aliases: tuple[str, ...] = ()  # other types clients send for the same thing


# server preference order: the first is the default, and a tie in q goes to the earlier one
RESULT_FORMATS = (
    Format("application/sparql-results+json", "JSON", ("application/json",)),
    Format("application/sparql-results+xml", "XML", ("application/xml", "text/xml")),
    Format("text/csv", "CSV"),
    Format("text/tab-separated-values", "TSV"),
)
GRAPH_FORMATS = (
    Format("text/turtle", "TURTLE", ("application/x-turtle",)),
    Format("application/n-triples", "N_TRIPLES"),
    Format("application/ld+json", "JSON_LD", ("application/json",)),
    Format("application/rdf+xml", "RDF_XML", ("application/xml", "text/xml")),
)
HTML = (Format("text/html", "", ("application/xhtml+xml",)),)


def _ranges(accept: str) -> list[tuple[str, float]]:
    out = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        mtype = fields[0].lower()
        if "/" not in mtype:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0  # a q we cannot read is not a preference we can honour
        out.append((mtype, q))
    return out


def _q_for(fmt: Format, ranges: list[tuple[str, float]]) -> float | None:
    """The q of the most specific range matching `fmt` (RFC 9110 §12.5.1), None if none does."""
    names = {fmt.media_type, *fmt.aliases}
    wildcard = fmt.media_type.split("/")[0] + "/*"
    best: tuple[int, float] | None = None
    for mtype, q in ranges:
        spec = 2 if mtype in names else 1 if mtype == wildcard else 0 if mtype == "*/*" else None
        if spec is not None and (best is None or spec > best[0] or (spec == best[0] and q > best[1])):
            best = (spec, q)
    return None if best is None else best[1]


def negotiate(accept: str | None, formats: tuple[Format, ...]) -> Format | None:
    """The format to answer with; None means the client accepts none of them (406)."""
    ranges = _ranges(accept or "")
    if not ranges:
        return formats[0]
    scored = [(q, -i, f) for i, f in enumerate(formats) if (q := _q_for(f, ranges)) is not None and q > 0]
    return max(scored, key=lambda t: (t[0], t[1]))[2] if scored else None


def _content_type(media_type: str) -> str:
    return media_type + "; charset=utf-8" if media_type.startswith("text/") else media_type


# --- inside a worker process ---------------------------------------------------------------------


class _Refused(Exception):
    """Raised wherever a request is turned down, so that one place turns every refusal into a response."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


READ_ONLY = "this SPARQL endpoint is read-only: updates (INSERT, DELETE, LOAD, CLEAR, DROP, …) are not allowed"
NO_SERVICE = "federated queries are not allowed: this endpoint does not run SERVICE clauses"


_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _unescaped(match: re.Match) -> str:
    try:
        return chr(int(match.group(1) or match.group(2), 16))
    except (ValueError, OverflowError):  # beyond U+10FFFF: the parser will reject it
        return match.group(0)


def _maybe_service(text: str) -> bool:
    """Cheap pre-check, so only a query that could hold SERVICE pays for the full parse.

    SPARQL expands \\u escapes before parsing (S\\u0045RVICE is the keyword); every stage of
    expansion is checked in case a parser expands more than once. casefold, not lower: ſ folds to s.
    """
    while True:
        if "service" in text.casefold():
            return True
        expanded = _ESCAPE.sub(_unescaped, text)
        if expanded == text:
            return False
        text = expanded


def _has_service(parsed) -> bool:
    """Walk rdflib's parse tree; a SERVICE in a comment or string never becomes a node."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    todo, seen = [parsed], set()
    while todo:
        node = todo.pop()
        if isinstance(node, (str, bytes, int, float)) or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, CompValue) and node.name == "ServiceGraphPattern":
            return True
        if isinstance(node, (dict, ParseResults)):  # ParseResults: named results too, not only the list
            todo.extend(node.values())
        if isinstance(node, (list, tuple, ParseResults)):
            todo.extend(node)
    return False


def _is_update(text: str) -> bool:
    """Whether `text` is SPARQL Update. It is never run to find out (LOAD would fetch a URL)."""
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parsed = parseUpdate(text)
    except Exception:  # noqa: BLE001 - pyparsing, recursion: not an update we can recognise
        return False
    return "request" in parsed and len(parsed["request"]) > 0  # only prefixes or comments: not one


def _check_service(text: str) -> None:
    """Refuse SERVICE before pyoxigraph sees the query: pyoxigraph would really call the URL."""
    if not _maybe_service(text):
        return
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parsed = parseQuery(text)
    except Exception as exc:  # noqa: BLE001 - includes RecursionError on absurd nesting
        if _is_update(text):
            raise _Refused(403, READ_ONLY) from None
        raise _Refused(400, f"{NO_SERVICE}, and this query mentions SERVICE but could not be checked "
                            f"(the checking parser says: {exc})") from None
    if _has_service(parsed):
        raise _Refused(403, NO_SERVICE)


class _CappedWriter:
    """Output for pyoxigraph's streaming TSV writer that stops the query once the cap is passed.

    TSV escapes newlines inside terms, so each solution is exactly one line after the header.
    """

    def __init__(self, max_rows: int):
        self.limit = max_rows + 1  # + the header line
        self.lines = 0
        self.chunks: list[bytes] = []

    def write(self, data) -> int:
        data = bytes(data)
        self.lines += data.count(b"\n")
        if self.lines > self.limit:
            raise OverflowError
        self.chunks.append(data)
        return len(data)

    def flush(self) -> None:
        pass


def _too_many(max_rows: int, what: str) -> _Refused:
    return _Refused(422, f"the result has more than {max_rows} {what}, the most this endpoint returns: "
                         f"add a LIMIT to the query (or, on your own server, raise --max-rows)")


def _solutions(result: ox.QuerySolutions, fmt: Format, max_rows: int) -> bytes:
    """Serialize at most `max_rows` solutions; TSV is lossless, so other formats are converted from it."""
    sink = _CappedWriter(max_rows)
    try:
        result.serialize(sink, format=ox.QueryResultsFormat.TSV)
    except OverflowError:
        raise _too_many(max_rows, "rows") from None
    tsv = b"".join(sink.chunks)
    if fmt.pyoxigraph == "TSV":
        return tsv
    parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    return parsed.serialize(format=getattr(ox.QueryResultsFormat, fmt.pyoxigraph))


def _triples(result: ox.QueryTriples, fmt: Format, max_rows: int) -> bytes:
    triples = []
    for triple in result:
        if len(triples) == max_rows:
            raise _too_many(max_rows, "triples")
        triples.append(triple)
    return ox.serialize(triples, format=getattr(ox.RdfFormat, fmt.pyoxigraph))


@dataclass(frozen=True)
class Job:
    """Plain data, so it pickles across the pipe; the formats are negotiated before the query runs."""

    query: str
    results_format: Format | None
    graph_format: Format | None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


def _dataset(job: Job) -> dict:
    if job.default_graphs:
        options = {"default_graph": [ox.NamedNode(g) for g in job.default_graphs]}
    else:
        options = {"use_default_graph_as_union": True}  # as `cnocc query` sees the build
    if job.named_graphs:
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    return options


def _not_acceptable(kind: str, formats: tuple[Format, ...]) -> _Refused:
    types = ", ".join(f.media_type for f in formats)
    return _Refused(406, f"this is a {kind} query; the Accept header allows none of its result types: {types}")


def _evaluate(store: ox.Store, job: Job, max_rows: int) -> tuple[int, str, bytes]:
    _check_service(job.query)
    try:
        result = store.query(job.query, **_dataset(job))
    except SyntaxError as exc:
        if _is_update(job.query):
            raise _Refused(403, READ_ONLY) from None
        raise _Refused(400, f"malformed query: {exc}") from None
    if isinstance(result, ox.QueryTriples):
        if job.graph_format is None:
            raise _not_acceptable("CONSTRUCT or DESCRIBE", GRAPH_FORMATS)
        return 200, job.graph_format.media_type, _triples(result, job.graph_format, max_rows)
    if job.results_format is None:
        raise _not_acceptable("SELECT or ASK", RESULT_FORMATS)
    if isinstance(result, ox.QueryBoolean):
        fmt = getattr(ox.QueryResultsFormat, job.results_format.pyoxigraph)
        return 200, job.results_format.media_type, result.serialize(format=fmt)
    return 200, job.results_format.media_type, _solutions(result, job.results_format, max_rows)


def _answer(store: ox.Store, job: Job, max_rows: int) -> tuple[int, str, bytes]:
    """Every outcome as (status, media type, body): the worker must survive any query."""
    try:
        return _evaluate(store, job, max_rows)
    except _Refused as exc:
        return exc.status, "text/plain", exc.message.encode()
    except Exception as exc:  # noqa: BLE001 - an evaluation error is the query's problem, not ours
        return 500, "text/plain", f"the query failed: {type(exc).__name__}: {exc}".encode()


def _exit_with_parent(parent_pid: int) -> None:
    """A worker busy in a long query never reads its pipe, so it would outlive a killed server."""
    def watch():
        while os.getppid() == parent_pid:
            time.sleep(1)
        os._exit(0)
    threading.Thread(target=watch, daemon=True).start()


def _worker_main(conn, store_dir: str, max_rows: int, parent_pid: int) -> None:
    _exit_with_parent(parent_pid)
    import rdflib.plugins.sparql.parser  # noqa: F401 - warm now, not in the first query's time

    store = ox.Store.read_only(store_dir)
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the server closed the pipe: it is gone or stopping
        if job is None:
            return
        conn.send(_answer(store, job, max_rows))


# --- in the web process --------------------------------------------------------------------------


async def _readable(conn, timeout: float) -> None:
    """Wait until the worker has written (or died), without a thread and without blocking."""
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    fd = conn.fileno()
    loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
    try:
        await asyncio.wait_for(ready, max(timeout, 0))
    finally:
        loop.remove_reader(fd)


class _Worker:
    def __init__(self, ctx, store_dir: Path, max_rows: int):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, str(store_dir), max_rows, os.getpid()),
                                name="cnocc-sparql", daemon=True)
        self.proc.start()
        child.close()

    async def ready(self, timeout: float) -> None:
        await _readable(self.conn, timeout)
        if self.conn.recv() != "ready":
            raise RuntimeError("SPARQL worker sent something else than ready")

    def kill(self) -> None:
        self.proc.kill()
        self.conn.close()


def _seconds(limit: float) -> str:
    return f"{limit:g} second{'' if limit == 1 else 's'}"


STARTUP_TIMEOUT = 120.0  # opening the store and importing the parser; generous for a slow disk


class SparqlService:
    """A fixed number of worker processes, each answering one query at a time.

    A worker that overruns, crashes or is abandoned by its request is killed and replaced, so
    the pool never shrinks and never hands a request a worker with a stale reply in its pipe.
    """

    def __init__(self, site):
        self.site = site
        self.settings = site.settings
        self._ctx = multiprocessing.get_context("spawn")  # fork would copy the web process's store handle
        self._idle: asyncio.Queue[_Worker] | None = None
        self._workers: set[_Worker] = set()
        self._tasks: set[asyncio.Task] = set()

    def _spawn(self) -> _Worker:
        worker = _Worker(self._ctx, self.site.store_dir, self.settings.max_rows)
        self._workers.add(worker)
        return worker

    async def start(self) -> None:
        self._idle = asyncio.Queue()
        workers = [self._spawn() for _ in range(max(1, self.settings.sparql_workers))]
        await asyncio.gather(*(w.ready(STARTUP_TIMEOUT) for w in workers))
        for worker in workers:
            self._idle.put_nowait(worker)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for worker in list(self._workers):
            self._discard(worker)

    def _discard(self, worker: _Worker) -> None:
        self._workers.discard(worker)
        worker.kill()
        loop = asyncio.get_running_loop()
        loop.run_in_executor(None, worker.proc.join, 10)  # reap it without waiting here

    def _replace(self, worker: _Worker) -> None:
        self._discard(worker)
        task = asyncio.get_running_loop().create_task(self._add_fresh())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _add_fresh(self) -> None:
        """Keep trying: a pool that silently lost a worker would serve ever slower."""
        while True:
            worker = self._spawn()
            try:
                await worker.ready(STARTUP_TIMEOUT)
            except (asyncio.TimeoutError, EOFError, OSError, RuntimeError) as exc:
                log.error("a new SPARQL worker did not start (%s); trying again", exc)
                self._discard(worker)
                await asyncio.sleep(1)
                continue
            self._idle.put_nowait(worker)
            return

    async def run(self, job: Job) -> tuple[int, str, bytes]:
        """Answer `job` within the time limit. The wait for a free worker counts too, or a queue of
        runaway queries could hold a client far longer than the limit it was promised."""
        limit = self.settings.query_timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        try:
            worker = await asyncio.wait_for(self._idle.get(), limit)
        except asyncio.TimeoutError:
            return 503, "text/plain", self._busy_message(limit).encode()
        healthy = False
        try:
            reply = await self._ask(worker, job, deadline - loop.time())
            healthy = True
            return reply
        except asyncio.TimeoutError:
            log.warning("SPARQL query stopped after %ss", limit)
            return 503, "text/plain", self._timeout_message(limit).encode()
        except (EOFError, OSError, BrokenPipeError) as exc:
            log.error("SPARQL worker %s stopped unexpectedly (%r); replacing it", worker.proc.pid, exc)
            return 500, "text/plain", b"the query worker stopped unexpectedly; try again"
        finally:
            if healthy:
                self._idle.put_nowait(worker)
            else:  # includes a cancelled request: its reply may still come, so nobody else may read it
                self._replace(worker)

    @staticmethod
    async def _ask(worker: _Worker, job: Job, timeout: float) -> tuple[int, str, bytes]:
        if timeout <= 0:
            raise asyncio.TimeoutError
        if not worker.proc.is_alive():
            raise EOFError("worker not running")
        worker.conn.send(job)
        await _readable(worker.conn, timeout)
        return worker.conn.recv()

    @staticmethod
    def _timeout_message(limit: float) -> str:
        return (f"the query ran longer than {_seconds(limit)}, the time limit of this endpoint, and was stopped: "
                f"make it more selective or add a LIMIT (or, on your own server, raise --query-timeout)")

    @staticmethod
    def _busy_message(limit: float) -> str:
        return (f"no query worker became free within {_seconds(limit)}, the time limit of this endpoint: "
                f"the server is busy, try again shortly")


# --- HTTP ----------------------------------------------------------------------------------------

COMMON_HEADERS = {"Vary": "Accept", "Access-Control-Allow-Origin": "*"}
PREFLIGHT_HEADERS = {
    **COMMON_HEADERS,
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type",
    "Access-Control-Max-Age": "86400",
}


def _text(status: int, message: str) -> Response:
    return Response(message.rstrip("\n") + "\n", status_code=status, media_type="text/plain; charset=utf-8",
                    headers=COMMON_HEADERS)


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) as soon as it is known to exceed `limit`, not after reading it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _Refused(413, _too_large(limit))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _Refused(413, _too_large(limit))
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> str:
    return f"the request is larger than {limit} bytes, the most this endpoint accepts"


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refused(400, "the request is not valid UTF-8") from None


def _form(text: str) -> dict[str, list[str]]:
    return parse_qs(text, keep_blank_values=True)


async def _params(request: Request, limit: int) -> dict[str, list[str]]:
    """Protocol parameters from the URL or the body, by the three request forms of SPARQL 1.1 §2.1."""
    if len(request.url.query.encode()) > limit:
        raise _Refused(413, _too_large(limit))
    params = _form(request.url.query)
    if request.method == "GET":
        return params
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/sparql-update":
        raise _Refused(403, READ_ONLY)
    if ctype == "application/x-www-form-urlencoded":
        return _form(_decode(await _body(request, limit)))
    if ctype == "application/sparql-query":
        return {**params, "query": [_decode(await _body(request, limit))]}
    raise _Refused(415, "POST a query as application/sparql-query or application/x-www-form-urlencoded")


def _iris(params: dict[str, list[str]], name: str) -> tuple[str, ...]:
    for iri in params.get(name, []):
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise _Refused(400, f"{name} is not an absolute IRI: {iri}") from None
    return tuple(params.get(name, []))


def _job(params: dict[str, list[str]], accept: str | None, limit: int) -> Job:
    if "update" in params or "using-graph-uri" in params or "using-named-graph-uri" in params:
        raise _Refused(403, READ_ONLY)
    queries = params["query"]
    if len(queries) != 1:
        raise _Refused(400, "give exactly one query parameter")
    text = queries[0]
    if len(text.encode()) > limit:
        raise _Refused(413, _too_large(limit))
    if not text.strip():
        raise _Refused(400, "the query is empty")
    results, graph = negotiate(accept, RESULT_FORMATS), negotiate(accept, GRAPH_FORMATS)
    if results is None and graph is None:
        types = ", ".join(f.media_type for f in RESULT_FORMATS + GRAPH_FORMATS)
        raise _Refused(406, f"the Accept header allows none of the result types of this endpoint: {types}")
    return Job(text, results, graph, _iris(params, "default-graph-uri"), _iris(params, "named-graph-uri"))


def _form_page(request: Request, service: SparqlService, params: dict[str, list[str]]) -> Response:
    if negotiate(request.headers.get("accept"), HTML) is None:
        return _text(400, "give a query: GET /sparql?query=… or POST it (SPARQL 1.1 Protocol)")
    page = render_form(service.settings, params.get("example", [""])[0])
    return Response(page, media_type="text/html; charset=utf-8", headers=COMMON_HEADERS)


@functools.lru_cache(maxsize=1)
def _templates():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)


def render_form(settings, example: str = "") -> str:
    """The no-JavaScript query page; the bundled queries link back to it, filling the textarea."""
    from ..queries import bundled

    queries = list(bundled().values())
    chosen = next((q for q in queries if q.name == example), None)
    return _templates().get_template("sparql.html").render(
        queries=queries, chosen=chosen, text=chosen.text if chosen else DEFAULT_QUERY, settings=settings,
        run_href=lambda q: "/sparql?query=" + quote(q.text, safe=""),
        fill_href=lambda q: "/sparql?example=" + quote(q.name, safe="") + "#query",
        result_formats=RESULT_FORMATS, graph_formats=GRAPH_FORMATS)


DEFAULT_QUERY = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>

SELECT ?item ?label
WHERE { ?item skos:prefLabel ?label . FILTER (lang(?label) = "zh") }
LIMIT 10
"""


def routes(service: SparqlService) -> list:
    async def endpoint(request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=PREFLIGHT_HEADERS)
        limit = service.settings.max_request_bytes
        try:
            params = await _params(request, limit)
            if "query" not in params and "update" not in params:
                if request.method == "POST":
                    raise _Refused(400, "give a query parameter (SPARQL 1.1 Protocol)")
                return _form_page(request, service, params)
            job = _job(params, request.headers.get("accept"), limit)
        except _Refused as exc:
            return _text(exc.status, exc.message)
        status, media_type, body = await service.run(job)
        if status != 200:
            return _text(status, body.decode("utf-8", "replace"))
        return Response(body, status_code=200, media_type=_content_type(media_type), headers=COMMON_HEADERS)

    return [Route("/sparql", endpoint, methods=["GET", "POST", "OPTIONS"])]
