"""The program representation: a program as the original plus a list of edits.

``edits`` (``Edit``, ``Original``: parse, apply, diff), ``sites`` (where an edit may land),
``precedence``, ``nodes`` (what appliers build with), the operators (``op_swap``, ``op_expr``,
``op_stmt``) and ``operators`` (the registry, ``propose``, ``echo``, ``move``). Evolve's search,
the swarm's coder and anything else that edits programs import this package, not the search.
"""

# Registers every operator's applier, so that ``Original.apply`` knows them all whichever
# module of the package is imported first.
from petri.program import operators as operators
