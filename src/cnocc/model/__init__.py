"""What every stage shares: the vocabulary and the one place URIs are minted (`vocab`, with the one
prefix map), moving terms between rdflib and pyoxigraph (`terms`), errors that carry their place
(`errors`), and reading HTTP Accept headers (`accept`)."""
