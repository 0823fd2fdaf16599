"""Reading an HTTP Accept header, shared by the pages' and the SPARQL endpoint's negotiation."""

from __future__ import annotations


def media_ranges(accept: str) -> list[tuple[str, float]]:
    """(media range, q) pairs in header order; a range without a slash is not one and is skipped."""
    out = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        mtype = fields[0].lower()
        if "/" not in mtype:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0  # a q we cannot read is not a preference we can honour
        out.append((mtype, q))
    return out
