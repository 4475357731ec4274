"""Docket: tui."""
