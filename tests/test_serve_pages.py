"""`cnocc serve` over real HTTP: every minted URI dereferences, by content negotiation or by suffix,
and the pages people read show what the data says, with nothing loaded from other hosts.

Expected values come from the committed tables in data/ or from the session's build, never from
a page's own output.
"""

from __future__ import annotations

import csv
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

from cnocc import paths
from cnocc.model import vocab as V
from cnocc.graphs.pinyin import pinyin_label

BASE = V.BASE
RDF_TYPES = {  # media type -> rdflib parser
    "text/turtle": "turtle", "application/ld+json": "json-ld",
    "application/n-triples": "nt", "application/rdf+xml": "xml",
}
SUFFIXES = {".ttl": "text/turtle", ".jsonld": "application/ld+json", ".nt": "application/n-triples",
            ".rdf": "application/rdf+xml", ".html": "text/html"}


def rows(name: str) -> list[dict]:
    with open(paths.DATA_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


BLOCKCHAIN = next(r for r in rows("2022/occupations.csv") if r["name_zh"] == "区块链工程技术人员")
GROUPS = {r["code"]: r for r in rows("2022/groups.csv")}
ISCO = {r["code"]: r for r in rows("reference/isco08-groups.csv")}


def isco_rows() -> list[dict]:
    with open(paths.DATA_DIR / "mappings" / "cnocc-isco08.sssom.tsv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t"))


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


@pytest.fixture(scope="module")
def store(built):
    s = ox.Store()
    s.bulk_load(path=str(built[1] / "cnocc.nq"), format=ox.RdfFormat.N_QUADS)
    return s


def zh_label(store, uri: str) -> str:
    for q in store.quads_for_pattern(ox.NamedNode(uri), ox.NamedNode(str(SKOS.prefLabel)), None, None):
        if q.object.language == "zh":
            return q.object.value
    raise AssertionError(f"{uri} has no Chinese prefLabel in the build")


# --- content negotiation --------------------------------------------------------------------------

RESOURCES = [
    f"2022/occupation/{BLOCKCHAIN['code']}",
    "2022/major-group/2",
    "2022",
    "2022/occupations",
    "announcement/2020-07-06",
    "agency/mohrss",
]


@pytest.mark.parametrize("path", RESOURCES)
@pytest.mark.parametrize("mtype", sorted(RDF_TYPES))
def test_accept_gives_rdf_with_the_resources_label(client, store, path, mtype):
    r = client.get("/" + path, headers={"Accept": mtype})
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].split(";")[0] == mtype
    assert "accept" in r.headers["vary"].lower()
    link = r.headers["link"]
    for suffix, t in SUFFIXES.items():
        assert f'</{path}{suffix}>; rel="alternate"; type="{t}"' in link
    g = Graph().parse(data=r.text, format=RDF_TYPES[mtype])
    uri = BASE + path
    assert (URIRef(uri), SKOS.prefLabel, Literal(zh_label(store, uri), lang="zh")) in g


@pytest.mark.parametrize("path", RESOURCES)
def test_browsers_get_html(client, store, path):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # what browsers send
    r = client.get("/" + path, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "accept" in r.headers["vary"].lower()
    assert 'rel="alternate"' in r.headers["link"]
    assert zh_label(store, BASE + path) in r.text
    assert '<html lang="zh">' in r.text


@pytest.mark.parametrize("accept, expected", [
    ("*/*", "text/html"),
    ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
    ("text/html;q=0.1, application/rdf+xml;q=0.9", "application/rdf+xml"),
    ("application/*", "application/ld+json"),
    ("application/json", "application/ld+json"),
])
def test_q_values_and_wildcards(client, accept, expected):
    r = client.get(f"/2022/occupation/{BLOCKCHAIN['code']}", headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == expected


@pytest.mark.parametrize("suffix, mtype", sorted(SUFFIXES.items()))
def test_suffix_twins(client, suffix, mtype):
    path = f"/2022/occupation/{BLOCKCHAIN['code']}"
    twin = client.get(path + suffix, headers={"Accept": "image/png"})  # a twin ignores Accept
    assert twin.status_code == 200
    assert twin.headers["content-type"].split(";")[0] == mtype
    if mtype in RDF_TYPES:
        negotiated = client.get(path, headers={"Accept": mtype})
        assert negotiated.headers["content-location"] == path + suffix
        assert twin.text == negotiated.text  # the same bytes, whichever way they were asked for
        g = Graph().parse(data=twin.text, format=RDF_TYPES[mtype])
        assert (URIRef(BASE + path[1:]), SKOS.notation, Literal(BLOCKCHAIN["code"])) in g


def test_rdf_is_deterministic_and_uses_the_projects_context(client):
    path = f"/2022/occupation/{BLOCKCHAIN['code']}"
    first = client.get(path + ".jsonld").json()
    assert client.get(path + ".jsonld").json() == first
    node = next(n for n in first["@graph"] if n["id"] == BASE + path[1:])
    assert node["code"] == BLOCKCHAIN["code"] and node["name"]["zh"] == BLOCKCHAIN["name_zh"]


def test_unacceptable_type_is_406(client):
    r = client.get(f"/2022/occupation/{BLOCKCHAIN['code']}", headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "accept" in r.headers["vary"].lower()
    assert "text/turtle" in r.text and 'rel="alternate"' in r.headers["link"]


@pytest.mark.parametrize("path", ["/2022/occupation/9-99-99-99", "/2022/occupation/9-99-99-99.ttl", "/nothing/here"])
def test_unknown_uri_is_404(client, path):
    for accept in ("text/html", "text/turtle"):
        r = client.get(path, headers={"Accept": accept})
        assert r.status_code == 404, (path, accept)


def test_every_kind_of_minted_uri_resolves(client, store):
    """One subject of each URI pattern the data mints (first path segment, or edition/level)."""
    seen: dict[str, str] = {}
    for q in store.quads_for_pattern(None, None, None, None):
        s = q.subject
        if isinstance(s, ox.NamedNode) and s.value.startswith(BASE) and "#" not in s.value:
            parts = s.value[len(BASE):].split("/")
            kind = "/".join(parts[:2]) if parts[0] in ("2015", "2022") else parts[0]
            if kind != "dumps":  # files, served by their own route
                seen.setdefault(kind, s.value)
    assert {"2022/occupation", "2015/work-type", "announcement", "policy", "agency", "source", "evidence",
            "graph", "mapping"} <= set(seen)
    for kind, uri in sorted(seen.items()):
        for accept in ("text/html", "text/turtle"):
            r = client.get("/" + uri[len(BASE):], headers={"Accept": accept})
            assert r.status_code == 200, (uri, accept)


def test_hash_namespace_document_describes_its_terms(client):
    g = Graph().parse(data=client.get("/ontology.ttl").text, format="turtle")
    assert (URIRef(BASE + "ontology#introducedBy"), None, None) in g
    assert 'id="introducedBy"' in client.get("/ontology").text


# --- the pages people read ------------------------------------------------------------------------

class Tags(HTMLParser):
    """Every start tag with its attributes, for checking links and loaded resources."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def section(html: str, pattern: str) -> str:
    m = re.search(pattern, html, re.S)
    assert m, f"no match for {pattern}"
    return m.group(0)


def test_concept_page_shows_the_occupation(client, store):
    code = BLOCKCHAIN["code"]
    html = client.get(f"/2022/occupation/{code}").text
    assert BLOCKCHAIN["name_zh"] in section(html, r"<h1>.*?</h1>")
    assert pinyin_label(BLOCKCHAIN["name_zh"]) in html
    assert code in html
    crumbs = section(html, r'<nav class="breadcrumb".*?</nav>')
    for parent, level in ((code[:-3], "minor-group"), (code[:-6], "sub-major-group"), (code[:1], "major-group")):
        assert f'href="/2022/{level}/{parent}"' in crumbs
        assert GROUPS[parent]["name_zh"] in crumbs
    # the same occupation in the 2015 frame, and the batch that introduced it there
    old = next(r for r in rows("occupations.csv") if r["name_zh"] == BLOCKCHAIN["name_zh"])
    assert f'href="/2015/occupation/{old["code"]}"' in html
    assert f'href="/announcement/{old["introduced_by"]}"' in html
    # ISCO-08 link with its path unit -> minor -> sub-major -> major, and the curators' reason
    mapping = next(r for r in isco_rows() if r["subject_id"] == f"cn:2022/occupation/{code}")
    unit = mapping["object_id"].split(":")[1]
    mappings = section(html, r'<section class="mappings">.*?</section>')
    node = unit
    while node:
        assert ISCO[node]["uri"] in mappings and ISCO[node]["title_en"] in mappings
        node = ISCO[node]["parent"]
    assert mapping["comment"] in mappings and mapping["confidence"] in mappings
    # evidence: the quote, linked to the place in its source document
    evidence = section(html, r'<section class="evidence">.*?</section>')
    assert old["evidence"] in evidence
    assert re.search(r'href="/source/release-2020-07-06#q-[0-9a-f]+"', evidence)
    # machine-readable twins and the licence
    for suffix in (".ttl", ".jsonld", ".nt", ".rdf"):
        assert f'href="/2022/occupation/{code}{suffix}"' in html
    assert "https://creativecommons.org/licenses/by/4.0/" in section(html, r"<footer.*?</footer>")


def test_evidence_anchor_exists_on_the_source_page(client):
    html = client.get(f"/2022/occupation/{BLOCKCHAIN['code']}").text
    anchor = re.search(r'href="/source/release-2020-07-06#(q-[0-9a-f]+)"', html).group(1)
    source = client.get("/source/release-2020-07-06").text
    assert f'<mark id="{anchor}">' in source


def test_group_page_lists_its_children(client):
    html = client.get("/2022/minor-group/" + BLOCKCHAIN["parent"]).text
    children = [r for r in rows("2022/occupations.csv") if r["parent"] == BLOCKCHAIN["parent"]]
    assert GROUPS[BLOCKCHAIN["parent"]]["name_zh"] in section(html, r"<h1>.*?</h1>")
    for c in children:
        assert f'href="/2022/occupation/{c["code"]}"' in html and c["name_zh"] in html


def test_home_page_has_charts_from_the_data(client):
    html = client.get("/", headers={"Accept": "text/html"}).text
    assert "<svg" in html and "<rect" in html
    assert re.search(r'<form[^>]*action="/search"', html) and 'name="q"' in html
    occupations = rows("2022/occupations.csv")
    for major in "12345678":
        mine = [r for r in occupations if r["code"].startswith(major + "-")]
        green = sum("L" in r["marks"] for r in mine)
        digital = sum("S" in r["marks"] for r in mine)
        assert f"{len(mine)} · L {green} · S {digital}" in html, major
    for a in rows("announcements.csv"):
        assert f'href="/announcement/{a["id"]}"' in html
        assert f">{a['new_occupations']}</text>" in html


def test_home_page_sends_programs_to_the_dataset(client):
    r = client.get("/", headers={"Accept": "text/turtle"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("/dataset")


def test_level_index_lists_every_item(client):
    html = client.get("/2022/occupations").text
    for r in rows("2022/occupations.csv"):
        assert f'href="/2022/occupation/{r["code"]}"' in html
    majors = client.get("/2022/major-groups").text
    for code, g in GROUPS.items():
        if g["level"] == "major-group":
            assert f'href="/2022/major-group/{code}"' in majors and g["name_zh"] in majors
    edition = client.get("/2022").text
    for level in ("major-groups", "sub-major-groups", "minor-groups", "occupations"):
        assert f'href="/2022/{level}"' in edition


def test_az_index_files_items_under_their_pinyin_initial(client):
    html = client.get("/az").text
    letters = re.findall(r'<h2 id="([A-Z])">', html)
    assert letters == sorted(letters) and len(letters) > 15
    for r in rows("2022/occupations.csv"):
        assert f'href="/2022/occupation/{r["code"]}"' in html
    initial = pinyin_label(BLOCKCHAIN["name_zh"])[0].upper()
    block = section(html, rf'<h2 id="{initial}">.*?(?=<h2 id=|</main>)')
    assert f'href="/2022/occupation/{BLOCKCHAIN["code"]}"' in block


PAGES = ["/", "/az", "/search?q=区块链", f"/2022/occupation/{BLOCKCHAIN['code']}", "/2022/occupations", "/2022",
         "/2015/work-type/zhibo-xiaoshouyuan", "/announcement/2020-07-06", "/source/release-2020-07-06",
         "/policy/blockchain-core-technology", "/agency/mohrss", "/ontology", "/dataset", "/nothing/here"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_load_nothing_from_other_hosts(client, built, path):
    """Scripts, styles, images and frames come from this server; links off-site go only to what
    the data itself names (ESCO, source documents, agencies' sites, the licence)."""
    html = client.get(path, headers={"Accept": "text/html"}).text
    named = (built[1] / "cnocc.nt").read_text(encoding="utf-8")
    for tag, attrs in Tags(html).tags:
        for attr in ("src", "href", "srcset", "data", "poster", "action"):
            value = attrs.get(attr)
            if not value:
                continue
            external = urlsplit(value).scheme in ("http", "https") or value.startswith("//")
            if tag == "a" and external:
                assert f"<{value}>" in named or f'"{value}"' in named, f"{path}: link to {value}"
            else:
                assert not external, f"{path}: <{tag} {attr}={value}> loads from another host"
    assert "@import" not in html and not re.search(r"url\(\s*['\"]?(https?:)?//", html)
    assert "<script" not in html


def test_stylesheet_is_local_and_self_contained(client):
    css = client.get("/static/cnocc.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "@import" not in css.text and "@font-face" not in css.text and "url(" not in css.text


def test_w3id_rules_redirect_each_rdf_type_to_its_twin():
    """deploy/.htaccess and the server offer the same formats: no twin the rules point to is missing."""
    from cnocc.server import conneg

    rules = (paths.PROJECT_ROOT / "deploy" / ".htaccess").read_text(encoding="utf-8")
    assert "RewriteEngine on" in rules
    for f in conneg.FORMATS:
        if f.key != "html":
            pattern = re.escape(f.media_type).replace(r"\+", r"\\\+")
            assert re.search(rf"HTTP_ACCEPT\}} {pattern}\nRewriteRule \^\(\.\+\)\$ \S+/\$1{re.escape(f.suffix)} \[R=303,L\]",
                             rules), f.media_type


def test_home_page_explains_held_versus_official_count(client):
    """Occupations announced after the 2022 edition sit in its scheme uncoded; the footnote counts them."""
    def rows(name):
        with open(paths.DATA_DIR / name, encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))

    editions = {r["id"]: r["edition"] for r in rows("announcements.csv")}
    coded = {r["name_zh"] for r in rows("2022/occupations.csv")}
    later = [r for r in rows("batch_occupations.csv") if editions[r["announcement"]] == "2022" and r["name_zh"] not in coded]
    html = client.get("/").text
    assert f"含本版发布后公告的 {len(later)} 个新职业" in html
