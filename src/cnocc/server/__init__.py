"""`cnocc serve`: the built graph as dereferenceable linked data, pages, search and SPARQL."""
