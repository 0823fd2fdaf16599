"""Every URI cnocc mints, dereferenced on this server, as a page for people or RDF for programs.

`https://w3id.org/cnocc/2022/occupation/2-02-38-08` is answered at `/2022/occupation/2-02-38-08`
(the base replaced by this server's origin), so a redirect at w3id.org is all a deployment needs.
A URI resolves when it is the subject of a statement in any graph; one that only appears as an
object (nothing is said about it) is 404, as there is nothing to show. Pages are rendered on the
server from the read-only store, with no script and nothing loaded from other hosts, so they work
offline, behind firewalls and in text browsers. The store never changes while the server runs,
so what is computed from it (labels, the home page's figures, RDF twins) is cached freely.

This module is the HTTP side only: what a page says is read by `readers` and the page modules
(`concepts`, `lists`, `resources`, `home`), which know nothing of requests or templates.
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2
import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from cnocc.server import concepts, conneg, home, lists, resources
from cnocc.server.readers import NS, Reader
from cnocc.server.search import DEFAULT_LIMIT, MAX_LIMIT, SearchIndex

HERE = Path(__file__).parent
ITEM_TYPES = {NS["cnocc"] + t for t in ("MajorGroup", "SubMajorGroup", "MinorGroup", "Occupation", "WorkType")}
MATCH_WORDS = {  # how a SKOS mapping predicate reads on the page (the target relative to this item)
    "exactMatch": ("等同", "exact match: the same occupation"),
    "closeMatch": ("相近", "close match: overlaps strongly"),
    "broadMatch": ("更宽", "broad match: the target is broader"),
    "narrowMatch": ("更窄", "narrow match: the target is narrower, a part of this item"),
    "relatedMatch": ("相关", "related match"),
}


class Handlers:
    def __init__(self, site):
        self.read = Reader(site.store, site.settings.base)
        self.context = conneg.load_context(site.settings.dist)
        self.index = SearchIndex.from_store(site.store, site.settings.base)
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                                      autoescape=jinja2.select_autoescape(["html"]),
                                      trim_blocks=True, lstrip_blocks=True)
        self.env.globals.update(formats=conneg.FORMATS, match_words=MATCH_WORDS)

    def render(self, template: str, code: int = 200, headers: dict | None = None, **ctx) -> HTMLResponse:
        html = self.env.get_template(template).render(**ctx)
        return HTMLResponse(html, status_code=code, headers=headers)

    @staticmethod
    def root(request: Request) -> str:
        return request.scope.get("root_path", "").rstrip("/")

    def not_found(self, request: Request, what: str) -> Response:
        if conneg.negotiate(request.headers.get("accept")) is conneg.HTML:
            return self.render("error.html", 404, status=404, message=what, root=self.root(request))
        return PlainTextResponse(f"404 not found: {what}\n", status_code=404)

    # -- fixed pages --

    def home(self, request: Request) -> Response:
        fmt = conneg.negotiate(request.headers.get("accept"))
        if fmt is not None and fmt is not conneg.HTML:  # a program asking for data: the dataset's description
            return RedirectResponse(self.root(request) + "/dataset", status_code=303, headers={"Vary": "Accept"})
        return self.render("home.html", headers={"Vary": "Accept"}, **home.front_page(self.read, self.root(request)))

    def search_page(self, request: Request) -> Response:
        q = request.query_params.get("q", "")
        hits = self.index.search(q, MAX_LIMIT)
        return self.render("search.html", q=q, hits=hits, root=self.root(request), limit=MAX_LIMIT)

    def api_search(self, request: Request) -> Response:
        q = request.query_params.get("q", "")
        raw = request.query_params.get("limit", str(DEFAULT_LIMIT))
        try:
            limit = int(raw)
        except ValueError:
            return JSONResponse({"error": f"limit must be a whole number, not {raw!r}"}, status_code=400)
        if limit < 1:
            return JSONResponse({"error": "limit must be at least 1"}, status_code=400)
        root = self.root(request)
        body = [e.to_json(score, root) for e, score in self.index.search(q, min(limit, MAX_LIMIT))]
        return JSONResponse(body, headers={"Access-Control-Allow-Origin": "*"})

    def az(self, request: Request) -> Response:
        groups = self.index.by_initial()
        return self.render("az.html", groups=groups, root=self.root(request),
                           total=sum(len(v) for v in groups.values()))

    # -- every minted URI --

    def resource(self, request: Request) -> Response:
        path = request.path_params["path"]
        root = self.root(request)
        fixed = None
        base, exists = self.read.base, self.read.exists
        if not exists(base + path):
            stem, fmt = conneg.split_suffix(path)
            if fmt is not None and exists(base + stem):
                path, fixed = stem, fmt
            elif path.endswith("/") and path.strip("/") and exists(base + path.rstrip("/")):
                return RedirectResponse(root + "/" + path.rstrip("/"), status_code=301)
            else:
                return self.not_found(request, "/" + path)
        uri, href = base + path, root + "/" + path
        headers = {"Link": conneg.link_header(href) + f', <{uri}>; rel="canonical"'}
        fmt = fixed
        if fmt is None:
            headers["Vary"] = "Accept"
            fmt = conneg.negotiate(request.headers.get("accept"))
            if fmt is None:
                offered = ", ".join(f.media_type for f in conneg.FORMATS)
                return PlainTextResponse(f"406 not acceptable: this resource is available as {offered}\n",
                                         status_code=406, headers=headers)
            headers["Content-Location"] = href + fmt.suffix
        if fmt is conneg.HTML:
            return self.page(uri, root, headers)
        headers["Access-Control-Allow-Origin"] = "*"
        return Response(self.rdf(uri, fmt.key), media_type=fmt.content_type, headers=headers)

    @functools.lru_cache(maxsize=64)
    def rdf(self, uri: str, key: str) -> str:
        # a hash namespace's document (the ontology) describes its terms too
        subjects = [ox.NamedNode(u) for u in [uri, *self.read.hash_terms.get(uri, [])]]
        return conneg.serialize(conneg.describe(self.read.store, subjects), conneg.BY_KEY[key], self.context)

    def page(self, uri: str, root: str, headers: dict) -> Response:
        """Only an edition (a scheme with levels) has levels to list; other schemes get the generic page."""
        types = self.read.types(uri)
        if types & ITEM_TYPES:
            template, view = "concept.html", concepts.item
        elif NS["xkos"] + "ClassificationLevel" in types or NS["skos"] + "Collection" in types:
            template, view = "members.html", lists.members
        elif NS["skos"] + "ConceptScheme" in types and self.read.objects(uri, NS["xkos"] + "levels"):
            template, view = "scheme.html", lists.scheme
        else:
            template, view = "resource.html", resources.generic
        return self.render(template, headers=headers, **view(self.read, uri, root))


def routes(site) -> list:
    """The pages' routes, the catch-all last: it answers for every URI the project mints."""
    h = Handlers(site)
    return [
        Route("/", h.home, methods=["GET", "HEAD"]),
        Route("/search", h.search_page, methods=["GET", "HEAD"]),
        Route("/api/search", h.api_search, methods=["GET", "HEAD"]),
        Route("/az", h.az, methods=["GET", "HEAD"]),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
        Route("/{path:path}", h.resource, methods=["GET", "HEAD"]),
    ]
