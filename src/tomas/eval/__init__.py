"""Metrics: Phase 0 read-back and the planner against the oracle."""
