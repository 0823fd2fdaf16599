"""The facts of pages that list items: a level's or collection's members, and an edition with its
levels and top groups.

Each list shows how much of the official classification the data holds, since for a partly
transcribed edition the gap is as much a fact as what is there.
"""

from __future__ import annotations

import functools

import pyoxigraph as ox

from cnocc.server.readers import NS, Reader, Ref, opt

# the collections that belong to an edition are minted under its URI
UNDER_EDITION = "FILTER (STRSTARTS(STR(?c), CONCAT(STR($e), '/')))"


def members(r: Reader, uri: str, root: str) -> dict:
    v = r.about(uri, root)
    item_marks = marks(r)
    rows = r.select("SELECT DISTINCT ?m WHERE { $c skos:member ?m }", c=ox.NamedNode(uri))
    v["members"] = [{"ref": m, "marks": item_marks.get(m.uri, "")} for m in r.refs([x["m"].value for x in rows], root)]
    v["official"] = r.value(uri, NS["cnocc"] + "officialItemCount")
    v["scheme"] = scheme_of(r, uri, root)
    v["siblings"] = levels(r, v["scheme"].uri, root) if v["scheme"] else []
    v["rows"] = [x for x in v["rows"] if x["qname"] != "skos:member"]  # the table above shows them
    return v


def scheme_of(r: Reader, uri: str, root: str) -> Ref | None:
    """What a list belongs to: a level's edition (its `xkos:levels`), else the nearest resource
    up its URI path (`2022/digital-occupations` -> `2022`, a characteristic -> its announcement)."""
    for x in r.select("SELECT ?s WHERE { ?s xkos:levels/rdf:rest*/rdf:first $lv }", lv=ox.NamedNode(uri)):
        return r.ref(x["s"].value, root)
    parts = uri[len(r.base):].split("/")
    for n in range(len(parts) - 1, 0, -1):
        up = r.base + "/".join(parts[:n])
        if r.exists(up):
            return r.ref(up, root)
    return None


@functools.lru_cache(maxsize=1)
def marks(r: Reader) -> dict[str, str]:
    """Item -> its marks (e.g. 'L/S'), from the collections that carry a notation; read once, as
    a level's page would otherwise ask for each of its members."""
    out: dict[str, set[str]] = {}
    for x in r.select("SELECT DISTINCT ?m ?mark WHERE { ?c a skos:Collection ; skos:notation ?mark ; skos:member ?m }"):
        out.setdefault(x["m"].value, set()).add(x["mark"].value)
    return {k: "/".join(sorted(v)) for k, v in out.items()}


def levels(r: Reader, scheme: str, root: str) -> list[dict]:
    rows = r.select("""SELECT ?lv ?depth ?official (COUNT(DISTINCT ?m) AS ?held) WHERE {
        $scheme xkos:levels/rdf:rest*/rdf:first ?lv . OPTIONAL { ?lv xkos:depth ?depth }
        OPTIONAL { ?lv cnocc:officialItemCount ?official } OPTIONAL { ?lv skos:member ?m } }
        GROUP BY ?lv ?depth ?official ORDER BY ?depth""", scheme=ox.NamedNode(scheme))
    return [{"ref": r.ref(x["lv"].value, root), "depth": opt(x, "depth"), "official": opt(x, "official"),
             "held": int(x["held"].value)} for x in rows]


def tops(r: Reader, scheme: str, root: str) -> list[dict]:
    return r.branches("$scheme skos:hasTopConcept ?c", root, scheme=ox.NamedNode(scheme))


def scheme(r: Reader, uri: str, root: str) -> dict:
    v = r.about(uri, root)
    node = ox.NamedNode(uri)
    v["levels"] = levels(r, uri, root)
    v["top"] = tops(r, uri, root)
    v["collections"] = r.refs([x["c"].value for x in r.select(
        "SELECT DISTINCT ?c WHERE { ?c a skos:Collection " + UNDER_EDITION + " }", e=node)], root)
    v["amended_by"] = sorted(({"ref": r.ref(x["a"].value, root), "batch": opt(x, "b")} for x in r.select(
        "SELECT ?a ?b WHERE { ?a cnocc:amends $s OPTIONAL { ?a cnocc:batchNumber ?b } }", s=node)),
        key=lambda a: int(a["batch"] or 0))
    v["correspondences"] = r.refs([x["c"].value for x in r.select(
        "SELECT DISTINCT ?c WHERE { ?c xkos:compares $s }", s=node)], root)
    v["rows"] = [x for x in v["rows"] if x["qname"] != "skos:hasTopConcept"]  # listed above as the top groups
    return v
