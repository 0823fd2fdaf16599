"""The facts of a page for anything that is not part of a classification: announcements, sources,
policies, agencies, the ontology.

Such resources are known mostly by what points at them, so their pages list incoming links too;
a source's text is shown with the quotes cited from it marked, so evidence can be read in place.
"""

from __future__ import annotations

import pyoxigraph as ox

from cnocc.server.readers import INFERRED, NS, Reader, opt

MAX_INCOMING = 1000  # links listed to a resource; a page stays readable and its query quick


def generic(r: Reader, uri: str, root: str) -> dict:
    v = r.about(uri, root)
    v.update(incoming(r, uri, root))
    text = r.value(uri, NS["schema"] + "text")
    v["text"] = marked_text(r, uri, text, root) if text else []
    if text:  # shown once, below, with its quotes marked
        v["rows"] = [x for x in v["rows"] if x["qname"] != "schema:text"]
    v["terms"] = terms(r, uri, root)
    return v


def incoming(r: Reader, uri: str, root: str) -> dict:
    """Who links here, by predicate; asserted links only, as entailed ones would repeat them.
    Ordered before the cut, so a page past the limit lists the same links on every start."""
    found: dict[str, list[str]] = {}
    rows = r.select(f"""SELECT DISTINCT ?s ?p WHERE {{ GRAPH ?g {{ ?s ?p $o }} FILTER (?g != $inferred) }}
                    ORDER BY ?p ?s LIMIT {MAX_INCOMING + 1}""", o=ox.NamedNode(uri), inferred=INFERRED)
    for x in rows:
        if isinstance(x["s"], ox.NamedNode):
            found.setdefault(x["p"].value, []).append(x["s"].value)
    return {"incoming": [{"qname": r.qname(p), **r.term_names(p), "refs": r.refs(us, root)}
                         for p, us in sorted(found.items(), key=lambda kv: r.qname(kv[0]))],
            "incoming_truncated": len(rows) > MAX_INCOMING}


def marked_text(r: Reader, source: str, text: str, root: str) -> list[dict]:
    """The source's text cut into runs, each quote cited as evidence marked with an anchor, so
    an evidence link lands on the words it quotes."""
    spans = []
    for x in r.select("""SELECT DISTINCT ?e ?exact ?prefix WHERE { ?e oa:hasSource $src ; oa:hasSelector ?sel .
        ?sel oa:exact ?exact . OPTIONAL { ?sel oa:prefix ?prefix } }""", src=ox.NamedNode(source)):
        exact, prefix = x["exact"].value, opt(x, "prefix")
        at = text.find(prefix + exact)  # the prefix tells apart words quoted from more than one place
        start = at + len(prefix) if at >= 0 else text.find(exact)
        if start >= 0:
            spans.append((start, start + len(exact), x["e"].value.rsplit("/", 1)[-1], r.href(x["e"].value, root)))
    runs, pos = [], 0
    for start, end, anchor, href in sorted(spans):
        if start < pos:
            continue  # overlapping quotes: the first keeps the mark, the other links to the page
        if start > pos:
            runs.append({"text": text[pos:start]})
        runs.append({"text": text[start:end], "anchor": "q-" + anchor, "href": href})
        pos = end
    runs.append({"text": text[pos:]})
    return runs


def terms(r: Reader, uri: str, root: str) -> list[dict]:
    """For a hash namespace (the ontology): its terms, each with an anchor `#Term`, since a term's
    URI dereferences to the namespace's page."""
    return [{"anchor": t.split("#", 1)[1], "uri": t, **r.term_names(t), "types": r.refs(r.types(t), root),
             "comment": r.value(t, NS["rdfs"] + "comment"), "rows": r.rows(t, root)}
            for t in r.hash_terms.get(uri, [])]
