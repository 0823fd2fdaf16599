"""Writing the built graphs: the dumps, the JSON-LD, the spreadsheet views, byte-for-byte the same for
the same input, every writer taking a binary stream (a file in `dist/`, a page's RDF twin in memory).

`formats` is the one registry of formats and files; `bundle` holds what they are written from;
`rdf`, `jsonld` and `views` are the writers.
"""

from __future__ import annotations

from pathlib import Path

from cnocc.export.bundle import SSSOM_TSV, Bundle
from cnocc.export.formats import EXPORTS, Export, Format, Writer

__all__ = ["EXPORTS", "SSSOM_TSV", "Bundle", "Export", "Format", "write_file"]


def write_file(write: Writer, bundle: Bundle, path: Path) -> None:
    """One writer's output as the file at `path`."""
    with path.open("wb") as f:
        write(bundle, f)
