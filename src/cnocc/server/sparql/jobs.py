"""One SPARQL query as a worker process answers it: a `Job` in, (status, media type, body) out."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from cnocc.export.formats import GRAPH_FORMATS, RESULT_FORMATS, Format
from cnocc.server.sparql import formats as F
from cnocc.server.sparql.guard import Refused, check_service, refuse_update

Answer = tuple[int, str, bytes]


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


def _not_acceptable(kind: str, formats: tuple[Format, ...]) -> Refused:
    return Refused(406, f"this is a {kind} query; the Accept header allows none of its result types: "
                        f"{F.media_types(formats)}")


def _serialize(result, job: Job, max_rows: int) -> Answer:
    if isinstance(result, ox.QueryTriples):
        if job.graph_format is None:
            raise _not_acceptable("CONSTRUCT or DESCRIBE", GRAPH_FORMATS)
        return 200, job.graph_format.media_type, F.triples(result, job.graph_format, max_rows)
    if job.results_format is None:
        raise _not_acceptable("SELECT or ASK", RESULT_FORMATS)
    if isinstance(result, ox.QueryBoolean):
        return 200, job.results_format.media_type, F.boolean(result, job.results_format)
    return 200, job.results_format.media_type, F.solutions(result, job.results_format, max_rows)


def _evaluate(store: ox.Store, job: Job, max_rows: int) -> Answer:
    check_service(job.query)
    try:
        result = store.query(job.query, **_dataset(job))
    except SyntaxError as exc:
        refuse_update(job.query)
        raise Refused(400, f"malformed query: {exc}") from None
    try:
        return _serialize(result, job, max_rows)
    except F.TooMany as exc:
        raise Refused(422, f"the result has more than {max_rows} {exc.what}, the most this endpoint returns: "
                           f"add a LIMIT to the query (or, on your own server, raise --max-rows)") from None


def answer(store: ox.Store, job: Job, max_rows: int) -> Answer:
    """Every outcome as (status, media type, body): the worker must survive any query."""
    try:
        return _evaluate(store, job, max_rows)
    except Refused as exc:
        return exc.status, "text/plain", exc.message.encode()
    except Exception as exc:  # noqa: BLE001 - an evaluation error is the query's problem, not ours
        return 500, "text/plain", f"the query failed: {type(exc).__name__}: {exc}".encode()
