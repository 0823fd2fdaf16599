"""What a deployment may tune; the defaults are safe for a public host on a small machine."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cnocc.model import vocab as V


@dataclass(frozen=True)
class Settings:
    dist: Path
    base: str = V.BASE  # the URI space the server answers for, under its own origin
    query_timeout: float = 10.0  # seconds a SPARQL query may run before its worker is stopped
    max_rows: int = 10_000  # result rows (or triples) a SPARQL query may return
    max_request_bytes: int = 100_000  # a larger query or request body gets 413
    sparql_workers: int = 2  # processes answering SPARQL; a runaway query blocks only its own
    worker_memory_mb: int = 2048  # data memory of one SPARQL worker; past it the worker is replaced
