"""ordercore.audit: the hash-chained journal and audit sweeps over the stored records.

- :mod:`~ordercore.audit.journal`: the tamper-evident journal and :func:`verify_chain`.
- :mod:`~ordercore.audit.checks`: the :class:`AuditCheck` contract, findings and severities.
- :mod:`~ordercore.audit.order_checks`, :mod:`~ordercore.audit.stock_checks`,
  :mod:`~ordercore.audit.customer_checks`, :mod:`~ordercore.audit.journal_checks`: built-in
  checks.
- :mod:`~ordercore.audit.plans`: plans, schedules and scopes.
- :mod:`~ordercore.audit.report`, :mod:`~ordercore.audit.sweeps`: running checks and reporting.

The desk runs sweeps (``desk.audit``); everything here is pure.
"""
