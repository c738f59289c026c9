"""Hand results to the tools users already work with: git branches and patches."""
