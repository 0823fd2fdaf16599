"""Records → named graphs: one per part users may want alone (each edition, the announcements and
policies, the correspondence, the mappings, the dataset's description).

`build_graphs` makes the graphs of the national classification from the checked tables; the
mapping sets (`mappings`) and the description (`metadata`) are added by the pipeline, which has
what they need only later.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rdflib import Graph, Literal
from rdflib.namespace import SKOS

from cnocc.graphs.announcements import announcements_graph
from cnocc.graphs.common import Builder, Triples
from cnocc.graphs.correspondence import correspondence_graph
from cnocc.graphs.editions import edition_graph
from cnocc.graphs.pinyin import pinyin_label, pinyin_names
from cnocc.sources.dataset import Dataset

__all__ = ["build_graphs", "pinyin_label", "pinyin_names"]


def build_graphs(ds: Dataset, ontology: Graph, spelled: Callable[[], Mapping[str, str]] | None = None) -> dict[str, Graph | Triples]:
    """The asserted named graphs, keyed by the names in `vocab.GRAPHS`.

    Pinyin is a third of the time at a million triples: `spelled` may give it for the names of
    `pinyin_names`, worked out elsewhere meanwhile (the build does it in a child process); it is
    asked for only once everything else is built. A name it lacks is spelled here."""
    b = Builder(ds)
    graphs = {"ontology": ontology}
    for ed in ds.rows("editions.csv"):
        graphs[f"edition-{ed['id']}"] = edition_graph(b, ed["id"])
    graphs["announcements"] = announcements_graph(b)
    graphs["correspondence-2015-2022"] = correspondence_graph(b)
    known = spelled() if spelled is not None else {}
    for g, s, name in b.pinyin:
        text = known[name] if name in known else pinyin_label(name)
        g.add((s, SKOS.prefLabel, Literal(text, lang="zh-Latn-pinyin")))
    return graphs
