"""The SPARQL 1.1 Protocol endpoint: HTTP (`endpoint`), what is refused before a query runs (`guard`),
one query as a worker answers it (`jobs`), the worker processes (`workers`), and writing results
capped (`formats`)."""
