"""What the SPARQL endpoint turns down before a query runs: updates, SERVICE, oversized requests."""

from __future__ import annotations

import re


class Refused(Exception):
    """Raised wherever a request is turned down, so that one place turns every refusal into a response."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


READ_ONLY = "this SPARQL endpoint is read-only: updates (INSERT, DELETE, LOAD, CLEAR, DROP, …) are not allowed"
NO_SERVICE = "federated queries are not allowed: this endpoint does not run SERVICE clauses"
UPDATE_PARAMS = ("update", "using-graph-uri", "using-named-graph-uri")  # SPARQL 1.1 Protocol §2.2


def check_size(size: int, limit: int) -> None:
    if size > limit:
        raise Refused(413, f"the request is larger than {limit} bytes, the most this endpoint accepts")


def check_params(params: dict[str, list[str]]) -> None:
    """Refuse the parameters of an update request, whatever else the request holds."""
    if any(name in params for name in UPDATE_PARAMS):
        raise Refused(403, READ_ONLY)


# --- update and SERVICE in the query text --------------------------------------------------------

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


def refuse_update(text: str) -> None:
    """For a query that did not parse as one: an update gets 403 rather than a syntax error."""
    if _is_update(text):
        raise Refused(403, READ_ONLY)


def check_service(text: str) -> None:
    """Refuse SERVICE before pyoxigraph sees the query: pyoxigraph would really call the URL."""
    if not _maybe_service(text):
        return
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parsed = parseQuery(text)
    except Exception as exc:  # noqa: BLE001 - includes RecursionError on absurd nesting
        refuse_update(text)
        raise Refused(400, f"{NO_SERVICE}, and this query mentions SERVICE but could not be checked "
                           f"(the checking parser says: {exc})") from None
    if _has_service(parsed):
        raise Refused(403, NO_SERVICE)
