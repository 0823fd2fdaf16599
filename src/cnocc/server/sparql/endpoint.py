"""The SPARQL 1.1 Protocol endpoint `/sparql`: read-only, bounded, safe to expose on a public host.

This module is its HTTP side only. Queries never run in the web process but in worker processes
(`sparql_workers`, running `sparql_jobs`); what is refused before anything runs is `sparql_guard`,
and the result formats are `sparql_formats`. None of those knows of HTTP.

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

import functools
from pathlib import Path
from urllib.parse import parse_qs, quote

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cnocc.export.formats import GRAPH_FORMATS, RESULT_FORMATS
from cnocc.server.sparql.formats import HTML, content_type, media_types, negotiate
from cnocc.server.sparql.guard import READ_ONLY, Refused, check_params, check_size
from cnocc.server.sparql.jobs import Job
from cnocc.server.sparql.workers import WorkerPool

TEMPLATES = Path(__file__).parents[1] / "templates"


class SparqlService(WorkerPool):
    """The endpoint's worker pool, sized and limited by the site's settings."""

    def __init__(self, site):
        self.site = site
        self.settings = site.settings
        super().__init__(site.store_dir, self.settings.sparql_workers, self.settings.max_rows,
                         self.settings.query_timeout, self.settings.worker_memory_mb)


# --- requests ------------------------------------------------------------------------------------

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
    if declared.isdigit():
        check_size(int(declared), limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        check_size(size, limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "the request is not valid UTF-8") from None


def _form(text: str) -> dict[str, list[str]]:
    return parse_qs(text, keep_blank_values=True)


async def _params(request: Request, limit: int) -> dict[str, list[str]]:
    """Protocol parameters from the URL or the body, by the three request forms of SPARQL 1.1 §2.1."""
    check_size(len(request.url.query.encode()), limit)
    params = _form(request.url.query)
    if request.method == "GET":
        return params
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/sparql-update":
        raise Refused(403, READ_ONLY)
    if ctype == "application/x-www-form-urlencoded":
        return _form(_decode(await _body(request, limit)))
    if ctype == "application/sparql-query":
        return {**params, "query": [_decode(await _body(request, limit))]}
    raise Refused(415, "POST a query as application/sparql-query or application/x-www-form-urlencoded")


def _iris(params: dict[str, list[str]], name: str) -> tuple[str, ...]:
    for iri in params.get(name, []):
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise Refused(400, f"{name} is not an absolute IRI: {iri}") from None
    return tuple(params.get(name, []))


def _job(params: dict[str, list[str]], accept: str | None, limit: int) -> Job:
    check_params(params)
    queries = params["query"]
    if len(queries) != 1:
        raise Refused(400, "give exactly one query parameter")
    text = queries[0]
    check_size(len(text.encode()), limit)
    if not text.strip():
        raise Refused(400, "the query is empty")
    results, graph = negotiate(accept, RESULT_FORMATS), negotiate(accept, GRAPH_FORMATS)
    if results is None and graph is None:
        raise Refused(406, "the Accept header allows none of the result types of this endpoint: "
                           + media_types(RESULT_FORMATS + GRAPH_FORMATS))
    return Job(text, results, graph, _iris(params, "default-graph-uri"), _iris(params, "named-graph-uri"))


# --- the HTML form -------------------------------------------------------------------------------


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
    from cnocc.store.queries import bundled

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
                    raise Refused(400, "give a query parameter (SPARQL 1.1 Protocol)")
                return _form_page(request, service, params)
            job = _job(params, request.headers.get("accept"), limit)
        except Refused as exc:
            return _text(exc.status, exc.message)
        status, media_type, body = await service.run(job)
        if status != 200:
            return _text(status, body.decode("utf-8", "replace"))
        return Response(body, status_code=200, media_type=content_type(media_type), headers=COMMON_HEADERS)

    return [Route("/sparql", endpoint, methods=["GET", "POST", "OPTIONS"])]
