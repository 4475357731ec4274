"""Honest decision quality: which outcomes a log can show, and off-policy estimates of what
any policy would have cost from it (:mod:`assistant.evaluation.ope`)."""
