"""Synthetic catalogues in cnocc's own source-table format, for benchmarks and tests at scale.

The real data gives about 58 thousand quads; a store, a reasoner or a validator behaves differently
at a million. A synthetic catalogue lets the real pipeline (`cnocc build --data OUT`) run at any
size on data that has the real data's shape, passes every cross-table check and every SHACL shape,
and is byte-for-byte reproducible from (size, seed, source).

It is the real catalogue scaled, not invented:

* the 2022 edition tree, which is most of the graph, grows by copies of the real minor groups with
  their occupations, names and S/L marks. Copy k's names end in k as a Chinese numeral, （二）,
  （三）…, so the pinyin labels stay realistic and no copy can take a real name. Copies sit under
  new sub-major groups with codes the real table leaves free, in the major group of the original,
  so every code extends its parent's and the GB/T 6565 code (gbm) follows from it as in the real
  table. While free codes last, each copied sub-major group gets its own code; beyond that copies
  of the same sub-major group share one, and from about 2 million quads a minor group takes the
  occupations of two or more copied minor groups (5 at most at 6.5 million);
* the announcement layer (the 2015-frame items and work types, the announced names, the
  announcements with their characteristics, policy drivers and figures, and the SSSOM mapping
  rows) is copied whole once per copy of the tree, its names carrying the same suffix, so that
  linking by exact name, the 2015→2022 correspondence and the mappings grow with the tree. Copies
  keep the real evidence quotes, which must occur in the cited source text;
* below the real size the tree is a random subset of the real minor groups, those with mapped
  occupations first, and the ISCO-08 snapshot keeps only the mapped groups and their ancestors.

Declared counts (levels and marks of the complete 2022 edition) are recomputed, since the shapes
compare them with the items found. The size is hit by an estimate per generated row, calibrated
on real builds (see `_Cost`); `Summary.estimated_quads` says what to expect.
"""

from .main import Summary, generate, main
from .tables import chinese_numeral, parse_size

__all__ = ["Summary", "chinese_numeral", "generate", "main", "parse_size"]
