"""SHACL validation compiled to SPARQL: each constraint of each shape becomes one query whose rows are
its violations.

pyshacl walks the data graph in Python focus node by focus node, which takes minutes at a
million triples. Here each constraint of each shape becomes one SPARQL query that returns only
the violations, so the store does the work; a conformant graph costs one pass per constraint.

pyshacl stays the reference: the answers must be the ones pyshacl gives on the same data,
including where pyshacl departs from the SHACL text (each such place says so below), and
`pyshacl_violations` turns pyshacl's report into the same `Violation`s so tests can compare
the two. Anything in a shapes graph that the compiler does not translate raises `Unsupported`
when compiling, never silently, so the caller can fall back to pyshacl.

What the store cannot show (Oxigraph rewrites some literals when it stores them, see
`STORE_LIMITS`) is listed per compiled shapes graph in `CompiledShapes.blind_spots`.
"""

from __future__ import annotations

import itertools
import re

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from cnocc.model.vocab import SH
from cnocc.validate.common import (
    _ALLOWED_ON_SHAPE,
    _FN_DATATYPE,
    _FN_PATTERN,
    _FN_RANGE,
    _FN_WRITTEN,
    _NODE_KINDS,
    _RANGES,
    _STORED_AS,
    RDF_TYPE,
    RDFS_SUBCLASS,
    _instance_of,
    _int_param,
    _items,
    _nt,
    _one,
    _portable_regex,
    _sparql_string,
)
from cnocc.validate.compat import rdflib_parses
from cnocc.validate.results import Unsupported


class _Compiler:
    def __init__(self, shapes: Graph):
        self.g = shapes
        self.n = itertools.count()
        self.consumed: set = set()
        self.patterns: list[re.Pattern] = []
        self.ranges: list[tuple] = []
        self.blind: list[str] = []

    def var(self, stem: str = "v") -> str:
        return f"?{stem}{next(self.n)}"

    # --- shapes and their parameters ---

    def check_shape_node(self, s) -> None:
        """Refuse, up front, anything on a shape that would otherwise be ignored."""
        self.consumed.add(s)
        for p, o in self.g.predicate_objects(s):
            if p == RDF.type:
                if o not in (SH.NodeShape, SH.PropertyShape):
                    raise Unsupported(f"{s} is also a {o} (implicit class targets are not compiled)")
            elif p == SH.deactivated:
                raise Unsupported(f"{s} uses sh:deactivated")
            elif p == SH.severity:
                if o != SH.Violation:
                    raise Unsupported(f"{s} has severity {o}")
            elif p == SH.qualifiedValueShapesDisjoint:
                if not (isinstance(o, Literal) and o.value is False):
                    raise Unsupported(f"{s} uses sh:qualifiedValueShapesDisjoint")
            elif str(p).startswith(str(SH)) and p not in _ALLOWED_ON_SHAPE:
                raise Unsupported(f"{s} uses {p}")
        if (s, SH.flags, None) in self.g and (s, SH.pattern, None) not in self.g:
            raise Unsupported(f"{s} has sh:flags without sh:pattern")

    def path_of(self, s):
        """(SPARQL path text, comparable path value) of a property shape, or None for a node shape."""
        paths = list(self.g.objects(s, SH.path))
        if not paths:
            return None
        if len(paths) > 1:
            raise Unsupported(f"{s} has several sh:path")
        p = paths[0]
        if isinstance(p, URIRef):
            return f"<{p}>", p
        if isinstance(p, BNode):
            self.consumed.add(p)
            if (p, RDF.first, None) in self.g:
                steps = [self.step(x) for x in _items(self.g, p)]
                if len(steps) < 2:
                    raise Unsupported(f"sequence path of {s} has fewer than two steps")
                return "/".join(t for t, _ in steps), tuple(v for _, v in steps)
            return self.step(p)
        raise Unsupported(f"sh:path of {s} is {p!r}")

    def step(self, p):
        if isinstance(p, URIRef):
            return f"<{p}>", p
        if isinstance(p, BNode):
            self.consumed.add(p)
            keys = set(self.g.predicates(p))
            if keys == {SH.inversePath}:
                q = _one(self.g, p, SH.inversePath, "inverse path")
                if isinstance(q, URIRef):
                    return f"^<{q}>", ("^", q)
            raise Unsupported(f"path {p} ({', '.join(sorted(map(str, keys)))}) is not a predicate, inverse or sequence")
        raise Unsupported(f"path step {p!r}")

    # --- conformance: an expression true when the node in `x` conforms to shape `s` ---

    def conforms(self, s, x: str, depth: int = 0, origin: tuple | None = None) -> str:
        """`origin` is (subject variable, predicate) when `x` is the object of such a triple."""
        if depth > 12:
            raise Unsupported(f"shapes nest too deep (recursive?) at {s}")
        if not isinstance(s, (URIRef, BNode)):
            raise Unsupported(f"{s!r} is not a shape")
        self.check_shape_node(s)
        if (s, SH.sparql, None) in self.g:
            raise Unsupported(f"sh:sparql in {s}, a shape used inside another constraint")
        parts: list[str] = []
        path = self.path_of(s)
        if path is None:
            for p in (SH.minCount, SH.maxCount, SH.uniqueLang, SH.qualifiedValueShape):
                if (s, p, None) in self.g:
                    raise Unsupported(f"{p} on node shape {s}")
            parts += [ok for _, _, ok, _ in self.value_tests(s, x, depth, origin)]
            for hv in self.g.objects(s, SH.hasValue):
                parts.append(f"sameTerm({x}, {_nt(hv)})")
            for ps in self.g.objects(s, SH.property):
                parts.append(self.conforms_property(ps, x, depth + 1))
        else:
            parts.append(self.property_body(s, x, depth))
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def conforms_property(self, ps, x: str, depth: int) -> str:
        self.check_shape_node(ps)
        if self.path_of(ps) is None:
            raise Unsupported(f"sh:property {ps} has no sh:path")
        return self.conforms(ps, x, depth)

    def property_body(self, s, x: str, depth: int) -> str:
        ptext, pval = self.path_of(s)
        origin = (x, pval) if isinstance(pval, URIRef) else None
        parts = []
        for _, _, ok, v in self.value_tests(s, None, depth, origin):
            parts.append(f"NOT EXISTS {{ {x} {ptext} {v} FILTER(!{ok}) }}")
        if (s, SH.minCount, None) in self.g:
            n = _int_param(self.g, s, SH.minCount)
            if n > 0:
                parts.append(self.at_least(x, ptext, n, None, depth))
        if (s, SH.maxCount, None) in self.g:
            parts.append("!" + self.at_least(x, ptext, _int_param(self.g, s, SH.maxCount) + 1, None, depth))
        if (s, SH.uniqueLang, None) in self.g and self.unique_lang(s):
            a, b = self.var(), self.var()
            parts.append(f"NOT EXISTS {{ {x} {ptext} {a} . {x} {ptext} {b} FILTER(!sameTerm({a}, {b}) && "
                         f"isLiteral({a}) && isLiteral({b}) && LANG({a}) != \"\" && LCASE(LANG({a})) = LCASE(LANG({b}))) }}")
        for hv in self.g.objects(s, SH.hasValue):
            v = self.var()
            parts.append(f"EXISTS {{ {x} {ptext} {v} FILTER(sameTerm({v}, {_nt(hv)})) }}")
        for q, lo, hi in self.qualified(s):
            if lo is not None and lo > 0:
                parts.append(self.at_least(x, ptext, lo, q, depth, origin))
            if hi is not None:
                parts.append("!" + self.at_least(x, ptext, hi + 1, q, depth, origin))
        for ps in self.g.objects(s, SH.property):  # each value node must conform to the nested property shape
            v = self.var()
            parts.append(f"NOT EXISTS {{ {x} {ptext} {v} FILTER(!{self.conforms_property(ps, v, depth + 1)}) }}")
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def at_least(self, x: str, ptext: str, n: int, shape, depth: int, origin: tuple | None = None) -> str:
        """EXISTS n distinct value nodes (conforming to `shape`, if given): counting without a sub-query."""
        if n > 6:
            raise Unsupported(f"a count of {n} inside a nested shape")
        vs = [self.var() for _ in range(n)]
        conds = [f"!sameTerm({a}, {b})" for a, b in itertools.combinations(vs, 2)]
        if shape is not None:
            conds += [self.conforms(shape, v, depth + 1, origin and (x, origin[1])) for v in vs]
        body = " . ".join(f"{x} {ptext} {v}" for v in vs)
        return f"EXISTS {{ {body} {'FILTER(' + ' && '.join(conds) + ')' if conds else ''} }}"

    def unique_lang(self, s) -> bool:
        u = _one(self.g, s, SH.uniqueLang, str(s))
        if not (isinstance(u, Literal) and isinstance(u.value, bool)):
            raise Unsupported(f"sh:uniqueLang of {s} is not a boolean")
        return u.value

    def qualified(self, s):
        shapes = list(self.g.objects(s, SH.qualifiedValueShape))
        if not shapes:
            if (s, SH.qualifiedMinCount, None) in self.g or (s, SH.qualifiedMaxCount, None) in self.g:
                raise Unsupported(f"qualified count without sh:qualifiedValueShape on {s}")
            return []
        lo = _int_param(self.g, s, SH.qualifiedMinCount) if (s, SH.qualifiedMinCount, None) in self.g else None
        hi = _int_param(self.g, s, SH.qualifiedMaxCount) if (s, SH.qualifiedMaxCount, None) in self.g else None
        if lo is None and hi is None:
            raise Unsupported(f"sh:qualifiedValueShape without a count on {s}")
        return [(q, lo, hi) for q in shapes]

    # --- per-value tests: (component, parameter value, expression on the value node, variable) ---

    def value_tests(self, s, v: str | None, depth: int, origin: tuple | None = None):
        """Each test of one value node; `v` is the node's variable, or None for a fresh one each."""
        g = self.g
        out = []

        def add(comp, param, make):
            var = v or self.var()
            # an error (a function refusing its argument) means "does not conform", as in pyshacl
            out.append((comp, param, f"COALESCE({make(var)}, false)", var))

        for c in g.objects(s, SH["class"]):
            if not isinstance(c, URIRef):
                raise Unsupported(f"sh:class {c!r}")
            add("Class", c, lambda x, c=c: _instance_of(x, c))
        if (s, SH.datatype, None) in g:
            d = _one(g, s, SH.datatype, str(s))
            add("Datatype", d, lambda x: self.datatype_test(x, d, origin))
        if (s, SH.nodeKind, None) in g:
            k = _one(g, s, SH.nodeKind, str(s))
            if k not in _NODE_KINDS:
                raise Unsupported(f"sh:nodeKind {k}")
            add("NodeKind", k, lambda x: _NODE_KINDS[k].format(v=x))
        if (s, SH["in"], None) in g:
            lst = _one(g, s, SH["in"], str(s))
            self.consumed.add(lst)
            members = list(dict.fromkeys(_items(g, lst)))  # pyshacl: a set, RDF term equality
            add("In", lst, lambda x: "(" + (" || ".join(f"sameTerm({x}, {_nt(m)})" for m in members) or "false") + ")")
        if (s, SH.languageIn, None) in g:
            lst = _one(g, s, SH.languageIn, str(s))
            add("LanguageIn", lst, lambda x: self.language_test(x, lst))
        pats = list(g.objects(s, SH.pattern))
        if pats:
            flags = list(g.objects(s, SH.flags))
            for p in pats:
                add("Pattern", p, lambda x, p=p: self.pattern_test(x, p, flags[0] if flags else None))
        for pred, name in _RANGES.items():
            for b in g.objects(s, pred):
                add(name, b, lambda x, b=b, pred=pred: self.range_test(x, pred, b))
        for pred, name, op in ((SH.minLength, "MinLength", ">="), (SH.maxLength, "MaxLength", "<=")):
            if (s, pred, None) in g:
                n = _int_param(g, s, pred)
                if name == "MinLength" and n == 0:
                    add(name, n, lambda x: "true")  # pyshacl: length 0 passes everything, blank nodes too
                else:
                    add(name, n, lambda x, n=n, op=op: f"(!isBlank({x}) && STRLEN(STR({x})) {op} {n})")
        for n in g.objects(s, SH["not"]):
            add("Not", n, lambda x, n=n: f"!{self.conforms(n, x, depth + 1, origin)}")
        for lst in g.objects(s, SH["and"]):
            members = list(dict.fromkeys(self.shape_list(lst)))
            add("And", lst, lambda x, m=members: "(" + " && ".join(self.conforms(a, x, depth + 1, origin) for a in m) + ")")
        for lst in g.objects(s, SH["or"]):
            members = list(dict.fromkeys(self.shape_list(lst)))
            add("Or", lst, lambda x, m=members: "(" + " || ".join(self.conforms(a, x, depth + 1, origin) for a in m) + ")")
        for lst in g.objects(s, SH.xone):
            members = self.shape_list(lst)  # pyshacl keeps a list here: a shape listed twice counts twice
            add("Xone", lst, lambda x, m=members: "((" + " + ".join(
                f"IF({self.conforms(a, x, depth + 1, origin)}, 1, 0)" for a in m) + ") = 1)")
        return out

    def shape_list(self, lst) -> list:
        self.consumed.add(lst)
        members = _items(self.g, lst)
        if not members:
            raise Unsupported(f"empty list {lst} of shapes")  # pyshacl lets an empty sh:or pass
        return members

    def datatype_test(self, x: str, d, origin: tuple | None) -> str:
        if not isinstance(d, URIRef):
            raise Unsupported(f"sh:datatype {d!r}")
        if d == RDFS.Literal:
            return f"isLiteral({x})"
        if d == RDFS.Datatype:
            raise Unsupported("sh:datatype rdfs:Datatype (pyshacl's answer depends on rdflib's plain literals)")
        if d == RDF.langString:
            return f"(isLiteral({x}) && LANG({x}) != \"\")"
        if d == XSD.string:
            return f"(isLiteral({x}) && DATATYPE({x}) = <{XSD.string}>)"
        ds = str(d)
        stored = _STORED_AS.get(ds, ds)
        if stored != ds or ds in _STORED_AS.values():
            # The store cannot tell "5"^^xsd:integer from "5"^^xsd:positiveInteger: the literal as
            # written is looked up by its triple, which the caller's Converter recorded.
            family = "integer-derived" if stored.endswith("integer") else "dateTime"
            note = (f"sh:datatype {d}: the store holds every {family} literal as {stored}, so a value written "
                    f"with another datatype of that family passes unseen "
                    + ("(always: the value is not reached by a plain predicate)" if origin is None
                       else "unless validate_store is given the Converter that loaded the data"))
            if note not in self.blind:
                self.blind.append(note)
            if origin is None:
                subject, pred = "<urn:x-none>", "<urn:x-none>"
            else:
                subject, pred = origin[0], f"<{origin[1]}>"
            # IF, not &&: Oxigraph evaluates both sides of &&, and the function costs a call into Python
            return (f"IF(isLiteral({x}) && (DATATYPE({x}) = <{stored}> || DATATYPE({x}) = <{ds}>), "
                    f"<{_FN_WRITTEN.value}>({subject}, {pred}, {x}, <{ds}>), false)")
        test = f"isLiteral({x}) && DATATYPE({x}) = <{ds}>"
        if rdflib_parses(d):  # rdflib parses it, so pyshacl can find it ill-typed
            return f"IF({test}, <{_FN_DATATYPE.value}>({x}, <{ds}>), false)"
        return f"({test})"

    def language_test(self, x: str, lst) -> str:
        """pyshacl's sh:languageIn, which is not langMatches: a range matches a tag only if it equals
        the whole tag or its first subtag, so ("zh-Latn") does not match "zh-Latn-pinyin"."""
        self.consumed.add(lst)
        ranges = []
        for r in _items(self.g, lst):
            if not (isinstance(r, Literal) and isinstance(r.value, str)):
                raise Unsupported(f"sh:languageIn member {r!r}")
            ranges.append(str(r.value).lower())
        if "*" in ranges:
            return f"(isLiteral({x}) && LANG({x}) != \"\")"
        if not ranges:
            return "false"
        rs = ", ".join(_sparql_string(r) for r in dict.fromkeys(ranges))
        return (f"(isLiteral({x}) && LANG({x}) != \"\" && (LCASE(LANG({x})) IN ({rs}) || "
                f"LCASE(STRBEFORE(CONCAT(LANG({x}), \"-\"), \"-\")) IN ({rs})))")

    def pattern_test(self, x: str, p, flags) -> str:
        """Python's `re` decides, as in pyshacl; Oxigraph's REGEX stands in where the two provably agree."""
        if not isinstance(p, Literal):
            raise Unsupported(f"sh:pattern {p!r}")
        text = str(p.value) if p.value is not None and len(p.value) > 1 else str(p)  # pyshacl's own choice
        fl = str(flags.value if isinstance(flags, Literal) and flags.value is not None else flags or "").lower()
        re_flags = (re.I if "i" in fl else 0) | (re.M if "m" in fl else 0)  # pyshacl ignores s, x, q
        try:
            compiled = re.compile(text, re_flags)
        except re.error as e:
            raise Unsupported(f"sh:pattern {text!r}: {e}") from e
        idx = len(self.patterns)
        self.patterns.append(compiled)
        py = f"<{_FN_PATTERN.value}>(STR({x}), {idx})"
        if re_flags == 0 and _portable_regex(text):
            # Python's "$" also matches before a final newline, and Rust's does not: newlines go to Python.
            fast = f"IF(CONTAINS(STR({x}), \"\\n\"), {py}, REGEX(STR({x}), {_sparql_string(text)}))"
        else:
            fast = py
        return f"IF(isBlank({x}), false, {fast})"

    def range_test(self, x: str, pred, bound) -> str:
        if not isinstance(bound, Literal):
            raise Unsupported(f"{pred} {bound!r}")
        idx = len(self.ranges)
        self.ranges.append((pred, bound))
        return f"<{_FN_RANGE.value}>({x}, {idx})"

    # --- targets ---

    def focus_predicates(self, s) -> frozenset:
        preds = {RDF_TYPE, RDFS_SUBCLASS} if (s, SH.targetClass, None) in self.g else set()
        preds |= {str(p) for p in self.g.objects(s, SH.targetSubjectsOf)}
        preds |= {str(p) for p in self.g.objects(s, SH.targetObjectsOf)}
        return frozenset(preds)

    def focus(self, s) -> str | None:
        """A group pattern binding ?this to each focus node of `s`, once each, or None without targets."""
        g = self.g
        alts = []
        for c in g.objects(s, SH.targetClass):
            if not isinstance(c, URIRef):
                raise Unsupported(f"sh:targetClass {c!r}")
            alts.append(f"?this <{RDF_TYPE}>/<{RDFS_SUBCLASS}>* <{c}>")
        nodes = list(g.objects(s, SH.targetNode))
        if nodes:
            alts.append("VALUES ?this { " + " ".join(_nt(n) for n in nodes) + " }")
        for p in g.objects(s, SH.targetSubjectsOf):
            if not isinstance(p, URIRef):
                raise Unsupported(f"sh:targetSubjectsOf {p!r}")
            alts.append(f"?this <{p}> [ ]")
        for p in g.objects(s, SH.targetObjectsOf):
            if not isinstance(p, URIRef):
                raise Unsupported(f"sh:targetObjectsOf {p!r}")
            alts.append(f"[ ] <{p}> ?this")
        if not alts:
            return None
        return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join("{ " + a + " }" for a in alts) + " } }"
