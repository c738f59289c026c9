"""Edit sites: which nodes are sites, their kinds, lines, names in scope and positions."""

from __future__ import annotations

import textwrap

import libcst as cst

from petri.program.edits import Original
from petri.program.precedence import LAMBDA, OR
from petri.program.sites import Site, evolve_regions


def program(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def code(original: Original, site: Site) -> str:
    node = site.node
    if isinstance(node, cst.SimpleStatementLine | cst.BaseCompoundStatement):
        node = node.with_changes(leading_lines=())
    return original.module.code_for_node(node).strip().splitlines()[0]


def described(source: str) -> list[tuple[str, str, int]]:
    original = Original.parse(source)
    return [(site.kind, code(original, site), site.line) for site in original.sites]


SAMPLE = program(
    '''
    """A module docstring is no site."""
    import os

    LIMIT = 3


    @decorated(os)
    def pick(items: list[int], start=0) -> int:
        """Nor is a function's."""
        total = 0
        for i in range(start, len(items)):
            if items[i] > LIMIT and not total:
                total += items[i]
        return obj.attr(key=total)
    '''
)


def test_sites_in_pre_order_with_kinds_and_lines() -> None:
    assert described(SAMPLE) == [
        ("stmt", "import os", 2),
        ("stmt", "LIMIT = 3", 4),
        ("expr", "3", 4),
        ("expr", "0", 8),
        ("stmt", "total = 0", 10),
        ("expr", "0", 10),
        ("stmt", "for i in range(start, len(items)):", 11),
        ("expr", "range(start, len(items))", 11),
        ("callee", "range", 11),
        ("bound", "start", 11),
        ("bound", "len(items)", 11),
        ("callee", "len", 11),
        ("expr", "items", 11),
        ("stmt", "if items[i] > LIMIT and not total:", 12),
        ("cond", "items[i] > LIMIT and not total", 12),
        ("cond", "items[i] > LIMIT", 12),
        ("bound", "items[i]", 12),
        ("expr", "items", 12),
        ("bound", "i", 12),
        ("bound", "LIMIT", 12),
        ("cond", "not total", 12),
        ("cond", "total", 12),
        ("stmt", "total += items[i]", 13),
        ("expr", "items[i]", 13),
        ("expr", "items", 13),
        ("bound", "i", 13),
        ("stmt", "return obj.attr(key=total)", 14),
        ("expr", "obj.attr(key=total)", 14),
        ("callee", "obj.attr", 14),
        ("expr", "obj", 14),
        ("expr", "total", 14),
    ]


def test_indexes_match_positions() -> None:
    original = Original.parse(SAMPLE)
    assert [site.index for site in original.sites] == list(range(len(original.sites)))
    assert len(original.info) == len(original.sites)


def test_names_in_scope() -> None:
    source = program(
        """
        import os.path as osp
        from math import floor
        LIMIT = 3


        class Box:
            size = 1

            def grow(self, by):
                extra = by * 2
                return [v for v in (extra, self.size)]


        def helper(x):
            global counter
            return x
        """
    )
    original = Original.parse(source)
    module_names = ("Box", "LIMIT", "counter", "floor", "helper", "osp")
    by_code = {code(original, site): site.names for site in original.sites}
    assert by_code["3"] == module_names
    in_class = ("Box", "LIMIT", "counter", "floor", "grow", "helper", "osp", "size")
    assert by_code["1"] == in_class
    method = tuple(sorted({*module_names, "by", "extra", "self"}))
    assert by_code["by * 2"] == method
    assert by_code["v"] == tuple(sorted({*method, "v"}))
    assert by_code["x"] == tuple(sorted({*module_names, "x"}))
    values = {code(original, site): site.values for site in original.sites}
    assert values["3"] == ("LIMIT", "counter")  # imports, functions and classes hold no data
    assert values["x"] == ("LIMIT", "counter", "x")


def test_busy_names_are_those_some_method_is_called_on() -> None:
    source = program(
        """
        def topo(ready):
            order = []
            node = ready.pop(0)
            text = str(node).strip()
            return order + [len(text)]
        """
    )
    original = Original.parse(source)
    assert {site.busy for site in original.sites} == {frozenset({"ready"})}  # not str(...)


def test_unread_names_are_those_a_function_binds_and_never_reads() -> None:
    source = program(
        """
        LIMIT = 3


        def tally(month, days, extra):
            count = 0
            seen = 0
            for day in days:
                if day == LIMIT:
                    count += 1
                    seen += 1
            return count + sum(extra for _ in days)


        def none(x):
            return x
        """
    )
    original = Original.parse(source)
    by_line = {site.line: site.unread for site in original.sites}
    # count is read by the return; seen only grows (an augmented assignment reads nothing
    # anyone uses); extra is read inside a generator; LIMIT is bound at module level
    assert by_line[5] == ("month", "seen")
    assert by_line[10] == ("month", "seen")  # the same from any depth of the function
    assert by_line[15] == ()
    assert by_line[1] == ()  # outside any function


def test_container_kinds_follow_the_last_assignment_in_scope() -> None:
    source = program(
        """
        found = set()
        names: list[str] = []


        def scan(rows):
            names = {}
            counts = dict(a=1)
            found = rows
            return rows
        """
    )
    original = Original.parse(source)
    by_code = {code(original, site): site for site in original.sites if site.kind == "stmt"}
    top = by_code["found = set()"]
    assert (top.of_kind("set"), top.of_kind("list")) == (("found",), ("names",))
    inner = by_code["return rows"]
    assert inner.of_kind("dict") == ("counts", "names")  # the local names shadows the list
    assert inner.of_kind("set") == ()  # found = rows: no longer known to be a set
    assert inner.of_kind("list") == ()


def test_holds_container_knows_containers_and_their_sums() -> None:
    source = program(
        """
        def f(xs, n):
            pair = ()
            out = list(xs)
            return out + [n], n * pair, "%s" % (n,), n + 1, (x for x in xs), xs
        """
    )
    original = Original.parse(source)
    site = next(s for s in original.sites if s.kind == "stmt" and code(original, s).startswith("r"))
    assert site.of_kind("tuple") == ("pair",)
    expressions = cst.ensure_type(
        cst.ensure_type(site.node, cst.SimpleStatementLine).body[0], cst.Return
    ).value
    items = [e.value for e in cst.ensure_type(expressions, cst.Tuple).elements]
    # a sum with a list, a product with a tuple; a % format, a number, a generator and a
    # parameter of unknown type are not plainly containers
    assert [site.holds_container(item) for item in items] == [
        True, True, False, False, False, False
    ]  # fmt: skip


def test_targets_keywords_attributes_and_annotations_are_not_sites() -> None:
    source = "def f(a: int) -> int:\n    a.b, c[0] = g(key=a), 1\n    del a\n    return c\n"
    kinds = described(source)
    assert ("expr", "a", 2) in kinds  # the argument value
    assert ("bound", "0", 2) in kinds  # an index inside a target is read
    assert all(text not in ("a.b", "c[0]", "key", "b", "int") for _, text, _ in kinds)


def test_evolve_block_limits_the_sites() -> None:
    source = program(
        """
        def f(x):
            y = x + 1
            # EVOLVE-BLOCK-START
            z = y * 2
            # EVOLVE-BLOCK-END
            return z
        """
    )
    assert described(source) == [
        ("stmt", "z = y * 2", 4),
        ("expr", "y * 2", 4),
        ("expr", "y", 4),
        ("expr", "2", 4),
    ]


def test_evolve_regions() -> None:
    lines = ["a", "# EVOLVE-BLOCK-START", "b", "  #  EVOLVE-BLOCK-END", "c", "# EVOLVE-BLOCK-START"]
    assert evolve_regions(lines) == [(2, 4), (6, 7)]
    assert evolve_regions(["# EVOLVE-BLOCK-END", "x"]) is None


def test_site_info_locates_statements_and_functions() -> None:
    original = Original.parse("x = 1\n\n\ndef f():\n    y = 2\n    return y\n")
    statements = [(s, original.info[s.index]) for s in original.sites if s.kind == "stmt"]
    (_, top_info), (_, y_info), (_, ret_info) = statements
    assert top_info.block is original.module and top_info.position == 0
    assert y_info.block is ret_info.block and (y_info.position, ret_info.position) == (0, 1)
    assert not top_info.in_function and y_info.in_function
    assert id(original.module) == y_info.ancestors[0]
    assert id(y_info.block) in y_info.ancestors


def test_glued_and_required_precedence() -> None:
    original = Original.parse("def f(x):\n    return[x][0]\n\n\ny = 1 + (2) * 3\n")
    info = {code(original, s): original.info[s.index] for s in original.sites}
    assert info["[x][0]"].glued and info["[x][0]"].required == LAMBDA
    assert not info["x"].glued
    assert info["(2)"].required > OR and not info["(2)"].glued
    assert info["1 + (2) * 3"].required == LAMBDA


def test_lists_tuples_and_sets_that_are_read_are_sites() -> None:
    source = "a, b = [1], {2}\nfor x, y in (a, b), ():\n    pass\n"
    displays = [
        (kind, text)
        for kind, text, _ in described(source)
        if kind != "stmt" and (text[:1] in "[{(" or "," in text)
    ]
    assert displays == [
        ("expr", "[1], {2}"),
        ("expr", "[1]"),
        ("expr", "{2}"),
        ("expr", "(a, b), ()"),
        ("expr", "(a, b)"),
        ("expr", "()"),
    ]  # never the targets ``a, b`` and ``x, y``


def test_a_context_manager_is_marked() -> None:
    original = Original.parse("def f(lock, log):\n    with lock, open(log):\n        pass\n")
    managed = {code(original, s) for s in original.sites if original.info[s.index].managed}
    assert managed == {"lock", "open(log)"}


def test_a_value_thrown_away_is_marked() -> None:
    original = Original.parse(
        "def f(xs, total):\n    xs.sort()\n    total\n    y = xs.pop()\n    print(-y)\n"
    )
    thrown = {code(original, s) for s in original.sites if original.info[s.index].discarded}
    assert thrown == {"xs.sort()", "total", "print(-y)"}  # not what they read: xs, -y


def test_the_statement_that_opens_a_body_knows_the_functions_required_parameters() -> None:
    original = Original.parse(
        "def f(xs, /, n, *rest, key=None):\n"
        '    """Doc."""\n'
        "    y = xs[n]\n"
        "    return y\n\n\n"
        "def g(self):\n    return 1\n"
    )
    opens = {code(original, s): original.info[s.index].opens for s in original.sites}
    assert opens["y = xs[n]"] == ("xs", "n")
    assert opens["return y"] == ()
    assert opens["return 1"] == ()  # ``self`` is no input


def test_the_statement_that_opens_a_body_knows_the_literals_its_function_returns() -> None:
    original = Original.parse(
        "def f(xs):\n"
        "    if not xs:\n        return -1\n"
        "    if xs[0]:\n        return None\n"
        "    g = lambda: 5\n"
        "    def h():\n        return 7\n"
        "    return xs or []\n"
    )
    opener = next(s for s in original.sites if original.info[s.index].opens)
    assert original.info[opener.index].returned == ("-1", "None")  # not g's, h's, nor ``xs or []``
