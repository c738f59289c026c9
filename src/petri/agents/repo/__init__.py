"""The repository swarm: analyzer, coder and tester roles, the planner, the world model."""
