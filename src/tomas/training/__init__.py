"""The training library the recipes (``tomas.recipes``) share: schedules, the Phase 0 and planner trainers."""
