"""Evolve programs: fault localization, multi-objective search, the run.

Programs are edited through ``petri.program`` (edits, sites, operators). Operators are pure
functions of the original program, an edit site and a seeded generator; the search owns the
run's generator, so the same seed and budget give the same result.
"""
