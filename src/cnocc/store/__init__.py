"""The built graph in stores: the embedded pyoxigraph store the server and `cnocc query` read
(`embedded`), pushing a build into any store over the Graph Store Protocol (`loading`), and the
bundled SPARQL queries (`queries`)."""
