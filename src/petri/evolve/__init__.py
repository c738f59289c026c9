"""Evolve programs: edits and operators, fault localization, multi-objective search, the run.

Operators are pure functions of the original program, an edit site and a seeded generator; the
search owns the run's generator, so the same seed and budget give the same result.
"""
