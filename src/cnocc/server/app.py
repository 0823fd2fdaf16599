"""The ASGI application: one store, loaded once, behind pages, search and SPARQL.

Start-up bulk-loads the build's N-Quads into an on-disk store in a temporary folder; pages read it
in this process, SPARQL runs in worker processes on the same folder (see `sparql`). Route order
matters: fixed paths first, the catch-all that dereferences minted URIs last.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from cnocc.server.settings import Settings
from cnocc.store import embedded as S


@dataclass
class Site:
    """What every handler may read: settings, the read-only store and its folder."""

    settings: Settings
    store_dir: Path
    store: ox.Store


def _dump(site: Site):
    async def handler(request) -> Response:
        name = request.path_params["name"]
        path = site.settings.dist / name
        if "/" in name or name.startswith(".") or not path.is_file():
            return PlainTextResponse(f"no dump called {name}", status_code=404)
        return FileResponse(path)
    return handler


def _void(site: Site):
    async def handler(request) -> Response:
        return FileResponse(site.settings.dist / "void.ttl", media_type="text/turtle; charset=utf-8")
    return handler


def create_app(settings: Settings) -> Starlette:
    from cnocc.server import pages
    from cnocc.server.sparql import endpoint as sparql

    workdir = Path(tempfile.mkdtemp(prefix="cnocc-serve-"))
    store_dir = S.load_dist(settings.dist, workdir / "store")
    site = Site(settings, store_dir, S.open_read_only(store_dir))
    service = sparql.SparqlService(site)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await service.start()
        try:
            yield
        finally:
            await service.stop()
            shutil.rmtree(workdir, ignore_errors=True)

    routes = [
        Route("/.well-known/void", _void(site)),
        Route("/dumps/{name}", _dump(site)),
        *sparql.routes(service),
        *pages.routes(site),  # last: its catch-all resolves every minted URI
    ]
    return Starlette(routes=routes, lifespan=lifespan)
