"""The facts of an item's page (a group, an occupation, a work type).

An item's history is spread over its twins in other editions and levels (the same occupation in
2015 and 2022, a work type raised to an occupation), so announcements, policies and evidence are
gathered from the item and its twins alike, each found through a twin saying which.
"""

from __future__ import annotations

import pyoxigraph as ox

from cnocc.server.readers import NS, Reader, Ref, opt

ISCO = "http://data.europa.eu/esco/isco/"


def item(r: Reader, uri: str, root: str) -> dict:
    v = r.about(uri, root)
    node = ox.NamedNode(uri)
    level = r.level_of(uri)
    v["level"] = r.ref(level, root) if level else None
    v["scheme"] = next((r.ref(s, root) for s in r.iris(uri, NS["skos"] + "inScheme")), None)
    v["alt"] = r.iris(uri, NS["skos"] + "altLabel")
    v["crumbs"] = crumbs(r, uri, root)
    v["children"] = r.branches("?c skos:broader $item", root, item=node)
    v["definition"] = r.texts(uri, NS["skos"] + "definition")
    v["definition_sources"] = r.sources(r.iris(uri, NS["cnocc"] + "definitionSource"), root)
    v["definition_confidence"] = r.value(uri, NS["cnocc"] + "definitionConfidence")
    v["code_sources"] = r.sources(r.iris(uri, NS["cnocc"] + "codeSource"), root)
    v["confidence"] = r.value(uri, NS["cnocc"] + "confidence")
    v["collections"] = [{"ref": r.ref(c["c"].value, root), "mark": opt(c, "mark"), "characteristic": c["ch"].value == "true"}
                        for c in r.select("""SELECT DISTINCT ?c ?mark ?ch WHERE { ?c a skos:Collection ; skos:member $item .
                            OPTIONAL { ?c skos:notation ?mark }
                            BIND (EXISTS { ?c a cnocc:Characteristic } AS ?ch) } ORDER BY ?c""", item=node)]
    v["links"] = correspondences(r, uri, root)
    kin = [uri, *(l["ref"].uri for l in v["links"])]
    v["announcements"] = announcements(r, kin, uri, root)
    v["drivers"] = drivers(r, kin + [a["ref"].uri for a in v["announcements"]], uri, root)
    v["evidence"] = evidence(r, kin, uri, root)
    v["mappings"] = mappings(r, uri, root)
    return v


def _found_via(r: Reader, subjects: list[str], me: str, root: str, linked, extra=lambda uri: {}) -> list[dict]:
    """What `linked` finds from this item or its twins, each once, with the twins it was found through."""
    out: dict[str, dict] = {}
    for subj in subjects:
        for uri in linked(subj):
            found = out.setdefault(uri, {"ref": r.ref(uri, root), "via": [], **extra(uri)})
            if subj != me:
                found["via"].append(r.ref(subj, root))
    return list(out.values())


def announcements(r: Reader, subjects: list[str], me: str, root: str) -> list[dict]:
    def when(a: str) -> dict:
        return {"batch": r.value(a, NS["cnocc"] + "batchNumber"), "issued": r.value(a, NS["dcterms"] + "issued")}

    found = _found_via(r, subjects, me, root, lambda x: r.iris(x, NS["cnocc"] + "introducedBy"), when)
    return sorted(found, key=lambda a: int(a["batch"] or 0))  # batch 10 after batch 9, not after 1


def drivers(r: Reader, subjects: list[str], me: str, root: str) -> list[dict]:
    """Policies an announcement names for this occupation, or for its whole batch (so the
    announcements themselves are among `subjects`)."""
    def driving(x: str) -> list[str]:
        return [p["p"].value for p in r.select("SELECT DISTINCT ?p WHERE { ?p cnocc:drives $x }", x=ox.NamedNode(x))]

    return sorted(_found_via(r, subjects, me, root, driving), key=lambda d: d["ref"].uri)


def crumbs(r: Reader, uri: str, root: str) -> list[Ref]:
    """Up the `skos:broader` chain to the top of the edition, top first; only our own groups,
    and never round a cycle."""
    out, node, seen = [], uri, {uri}
    while True:
        ups = [o.value for o in r.objects(node, NS["skos"] + "broader")
               if isinstance(o, ox.NamedNode) and o.value.startswith(r.base) and o.value not in seen]
        if not ups:
            return out[::-1]
        node = ups[0]
        seen.add(node)
        out.append(r.ref(node, root))


def correspondences(r: Reader, uri: str, root: str) -> list[dict]:
    """The same occupation elsewhere: across editions (xkos associations) and raised work types.
    A twin found both ways is listed once, through its association, which says more."""
    node = ox.NamedNode(uri)
    rows = r.select("""SELECT DISTINCT ?a ?other ?dir ?type ?note WHERE {
        { ?a xkos:sourceConcept $item ; xkos:targetConcept ?other BIND ("to" AS ?dir) }
        UNION { ?a xkos:targetConcept $item ; xkos:sourceConcept ?other BIND ("from" AS ?dir) }
        OPTIONAL { ?a dcterms:type ?type } OPTIONAL { ?a skos:changeNote ?note } }""", item=node)
    out = [{"ref": r.ref(x["other"].value, root), "via": r.ref(x["a"].value, root), "dir": x["dir"].value,
            "type": opt(x, "type"), "note": opt(x, "note")} for x in rows]
    raised = [(o, "to") for o in r.iris(uri, NS["cnocc"] + "raisedTo")]
    raised += [(x["w"].value, "from") for x in r.select("SELECT ?w WHERE { ?w cnocc:raisedTo $item }", item=node)]
    out += [{"ref": r.ref(o, root), "via": None, "dir": d, "type": "raised", "note": ""} for o, d in raised]
    seen, unique = set(), []
    for l in sorted(out, key=lambda l: (l["ref"].uri, l["via"] is None)):
        if l["ref"].uri not in seen:
            seen.add(l["ref"].uri)
            scheme = r.value(l["ref"].uri, NS["skos"] + "inScheme")
            level = r.level_of(l["ref"].uri)
            l["edition"] = r.value(scheme, NS["skos"] + "notation") if scheme else ""
            l["level"] = r.labels(level).get("zh", "") if level else ""
            unique.append(l)
    return unique


def evidence(r: Reader, subjects: list[str], me: str, root: str) -> list[dict]:
    """Quotes from the sources, each linking to its place in the source's text."""
    out = []
    for subj in subjects:
        for x in r.select("""SELECT DISTINCT ?e ?src ?exact ?prefix ?suffix WHERE { $x cnocc:evidence ?e .
            ?e oa:hasSource ?src ; oa:hasSelector ?sel . ?sel oa:exact ?exact .
            OPTIONAL { ?sel oa:prefix ?prefix } OPTIONAL { ?sel oa:suffix ?suffix } } ORDER BY ?e""",
                          x=ox.NamedNode(subj)):
            src = x["src"].value
            out.append({"ref": r.ref(x["e"].value, root), "source": r.ref(src, root),
                        "source_url": r.value(src, NS["schema"] + "url"),
                        "anchor": r.href(src, root) + "#q-" + x["e"].value.rsplit("/", 1)[-1],
                        "exact": x["exact"].value, "prefix": opt(x, "prefix"), "suffix": opt(x, "suffix"),
                        "via": None if subj == me else r.ref(subj, root)})
    return out


def mappings(r: Reader, uri: str, root: str) -> list[dict]:
    """Links to ISCO-08 and ESCO with the curators' confidence and reason (their SSSOM record);
    rejected candidates last, so what holds is read first."""
    rows = r.select("""SELECT DISTINCT ?m ?p ?t ?conf ?why ?mod ?date WHERE { ?m a owl:Axiom ;
        owl:annotatedSource $item ; owl:annotatedProperty ?p ; owl:annotatedTarget ?t .
        OPTIONAL { ?m sssom:confidence ?conf } OPTIONAL { ?m rdfs:comment ?why }
        OPTIONAL { ?m sssom:predicate_modifier ?mod } OPTIONAL { ?m dcterms:created ?date } }""",
                    item=ox.NamedNode(uri))
    out = []
    for x in rows:
        target = x["t"].value
        out.append({"record": r.ref(x["m"].value, root), "predicate": x["p"].value.rsplit("#", 1)[-1],
                    "negated": x["mod"] is not None, "target": r.ref(target, root),
                    "confidence": opt(x, "conf"), "why": opt(x, "why"), "date": opt(x, "date"),
                    "isco": target.startswith(ISCO), "path": isco_path(r, target, root)})
    return sorted(out, key=lambda m: (m["negated"], not m["isco"], m["predicate"], m["target"].uri))


def isco_path(r: Reader, uri: str, root: str) -> list[Ref]:
    """An ISCO group and those above it, so a bare code reads as a place in ISCO."""
    out, node = [], uri
    while node and node.startswith(ISCO) and len(out) < 6:
        out.append(r.ref(node, root))
        ups = r.objects(node, NS["skos"] + "broader")
        node = ups[0].value if ups else ""
    return out
