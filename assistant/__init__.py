"""Docket: assistant."""
