"""Agents on petri's runtime: roles, tools and the swarm that runs them."""
