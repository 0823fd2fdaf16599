"""The two places where the compiler must answer as rdflib and pyshacl do internally, wrapped here.

pyshacl decides sh:datatype with rdflib's own lexical parsers (Python's date, int, Decimal), which
differ from Oxigraph's at the edges (year 0, out-of-range derived integers): to give pyshacl's
answers, the compiled shapes ask the same code. Neither library exposes it publicly, so this is the
one module that reaches into them; `tests/test_validate_compat.py` fails when an upgrade moves them.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.term import _toPythonMapping

from cnocc.validate.common import _FALSE, _TRUE

# --- the run-time functions the queries call ------------------------------------------------------

_rdflib_term_log = logging.getLogger("rdflib.term")


@lru_cache(maxsize=1 << 16)
def rdflib_accepts(lexical: str, datatype: str) -> bool:
    """pyshacl's datatype test on a literal whose datatype is already the right one.

    pyshacl asks rdflib whether the literal is ill-typed, then whether rdflib's Python value has
    the expected type; rdflib decides ill-typedness with its own parsers (Python's date, int,
    Decimal...), which differ from Oxigraph's at the edges (year 0, out-of-range derived
    integers), so the same parsers are asked here, once per distinct literal."""
    from pyshacl.constraints.core.value_constraints import DatatypeConstraintComponent

    was = _rdflib_term_log.disabled
    _rdflib_term_log.disabled = True  # rdflib logs a traceback for every lexical form it cannot parse
    try:
        lit = Literal(lexical, datatype=URIRef(datatype))
    finally:
        _rdflib_term_log.disabled = was
    if lit.ill_typed is True:
        return False
    return bool(DatatypeConstraintComponent._assert_actual_datatype(None, lit, URIRef(datatype)))


def _fn_datatype(v, d):
    if not isinstance(v, ox.Literal):
        return _FALSE
    return _TRUE if rdflib_accepts(v.value, d.value) else _FALSE


def _as_bool(b: bool) -> ox.Literal:
    return _TRUE if b else _FALSE




def rdflib_parses(datatype) -> bool:
    """Does rdflib turn literals of `datatype` into Python values (so pyshacl can find them ill-typed)?"""
    return datatype in _toPythonMapping
