"""The manager's report, kept: snapshots built by the job runner, served in under a second,
refreshed at most every ten minutes while answers arrive, and delivered on a schedule.

``snapshots`` (build, read, freshness), ``schedules`` (who gets which report when, and the
record of each delivery), ``jobs`` (the runner's ``reports.refresh``, ``reports.snapshot``,
``reports.pdf`` and ``reports.deliver``). Its tables live in ``models``.
"""
