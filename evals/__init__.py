"""Docket: evals."""
