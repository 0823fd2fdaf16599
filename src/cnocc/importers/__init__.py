"""Maintainer importers: each reads one raw source once (a PDF, a spreadsheet, a snapshot) and writes
the facts it extracts as tables under data/, checked against the totals the source itself declares."""
