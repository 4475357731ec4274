"""Dataset loaders: files shipped under ``evals/datasets/`` and the domain's own data.

``redteam/`` is written by the guardrails work (read here, never edited by the evals).
"""
