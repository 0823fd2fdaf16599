"""The facts of the home page: what the dataset holds of each edition, and the figures drawn from it.

The figures are computed here and drawn by the templates as SVG, so the page needs no script and
shows the same in a text browser's dump; the whole page is computed once, as the store never changes.
"""

from __future__ import annotations

import functools

import pyoxigraph as ox

from cnocc.server.lists import UNDER_EDITION, levels, marks, tops
from cnocc.server.readers import NS, Reader, opt


@functools.lru_cache(maxsize=4)
def front_page(r: Reader, root: str) -> dict:
    ds = r.base + "dataset"
    editions = sorted(x["s"].value for x in r.select("SELECT DISTINCT ?s WHERE { ?s a skos:ConceptScheme ; xkos:levels ?l }"))
    latest = editions[-1] if editions else ""
    return {"dataset": r.ref(ds, root), "root": root,
            "description": {(o.language or "en"): o.value for o in r.objects(ds, NS["dcterms"] + "description")},
            "license": r.value(ds, NS["dcterms"] + "license"), "version": r.value(ds, NS["schema"] + "version"),
            "editions": [{"ref": r.ref(e, root), "issued": r.value(e, NS["dcterms"] + "issued"),
                          "levels": levels(r, e, root), "announced": announced_uncoded(r, e)} for e in editions],
            "latest": r.ref(latest, root) if latest else None,
            "marks_chart": marks_chart(r, latest, root) if latest else None,
            "batches": batches(r, root),
            "downloads": r.refs(r.iris(ds, NS["dcat"] + "distribution"), root),
            "mapping_sets": r.refs([x["m"].value for x in r.select("SELECT ?m WHERE { ?m a sssom:MappingSet }")], root)}


def announced_uncoded(r: Reader, edition: str) -> int:
    """Occupations announced after an edition join its scheme before any code is given them, so
    the data can hold more occupations than the edition officially counts; the page says how many."""
    rows = r.select("""SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { $e xkos:levels/rdf:rest*/rdf:first ?lv .
        ?lv skos:member ?o . ?o a cnocc:Occupation ; cnocc:introducedBy ?a . ?a cnocc:amends $e
        FILTER NOT EXISTS { ?o skos:notation ?code } }""", e=ox.NamedNode(edition))
    return int(rows[0]["n"].value)


def marks_chart(r: Reader, edition: str, root: str) -> dict:
    """Occupations per top group of an edition and how many carry each mark (S digital, L green)."""
    item_marks = marks(r)
    collections = sorted({x["mark"].value: x["c"].value for x in r.select(
        "SELECT ?c ?mark WHERE { ?c a skos:Collection ; skos:notation ?mark " + UNDER_EDITION + " }",
        e=ox.NamedNode(edition))}.items())
    rows = []
    for top in tops(r, edition, root):
        occ = [x["o"].value for x in r.select(
            "SELECT DISTINCT ?o WHERE { $c skos:narrowerTransitive ?o . ?o a cnocc:Occupation }", c=ox.NamedNode(top["ref"].uri))]
        counts = {m: sum(1 for o in occ if m in item_marks.get(o, "").split("/")) for m, _ in collections}
        rows.append({"ref": top["ref"], "total": len(occ), "marks": counts})
    return {"rows": rows, "max": max([x["total"] for x in rows] or [1]) or 1,
            "collections": [{"mark": m, "ref": r.ref(c, root)} for m, c in collections]}


def batches(r: Reader, root: str) -> list[dict]:
    """The announcements of new occupations in order, for the chart of how the list has grown."""
    rows = r.select("""SELECT ?a ?batch ?issued ?new ?types ?amends WHERE { ?a a cnocc:Announcement ;
        cnocc:batchNumber ?batch . OPTIONAL { ?a dcterms:issued ?issued } OPTIONAL { ?a cnocc:newOccupationCount ?new }
        OPTIONAL { ?a cnocc:newWorkTypeCount ?types } OPTIONAL { ?a cnocc:amends ?amends } }""")
    out = [{"ref": r.ref(x["a"].value, root), "batch": int(x["batch"].value), "issued": opt(x, "issued"),
            "new": int(opt(x, "new") or 0), "work_types": int(opt(x, "types") or 0),
            "amends": r.ref(x["amends"].value, root) if x["amends"] else None} for x in rows]
    out.sort(key=lambda b: b["batch"])
    return out
