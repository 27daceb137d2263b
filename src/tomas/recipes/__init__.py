"""Stages: pretrain -> export -> evaluate (and `run`, which chains them)."""
