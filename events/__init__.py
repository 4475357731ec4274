"""Docket's event-sourced core: the immutable, tamper-evident, replayable decision log.

Public API (import from the submodules; this package imports nothing eagerly):

* :mod:`events.store` — ``open_log(url) -> DecisionLog``, ``readmodel_path_for(url, data_dir)``,
  ``parse_store_url(url)``.
* :mod:`events.app` — ``DecisionLog``: ``save(*aggregates)`` (one transaction),
  ``save_in_batches(aggregates, batch_size=, on_commit=)``, ``update(id, change)``
  (optimistic read-modify-write), ``get``, ``case``, ``policy``, ``model_version``,
  ``exists``, ``event_count``.
* :mod:`events.domain` — aggregates ``Case``, ``Policy``, ``ModelVersion``, ``EvalRun``,
  ``Alert``; constants ``REASON_CODE``, ``DECISION_KEYS``, ``ROLE_NAME``, ``SYSTEM_ROLE``.
* :mod:`events.readmodels` — ``ReadModels(path)`` with ``catch_up(log)``, ``position()``,
  ``rows(sql)``; ``rebuild(log, path)``, ``check(log, readmodels) -> list[str]``.
* :mod:`events.audit` — ``audit_case(log, case_id, as_of=None) -> CaseAudit``.
* :mod:`events.chain` — ``verify(log) -> VerifyReport``.
* :mod:`events.errors` — the exception tree.
"""
