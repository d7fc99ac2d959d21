"""``cxm worker`` and ``cxm jobs list|enqueue``: the background job runner."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["register"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def worker(
    once: Annotated[bool, typer.Option("--once", help="Run the jobs due now, then exit.")] = False,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=64, help="Jobs run at once (threads).")
    ] = 1,
    lease: Annotated[
        float, typer.Option("--lease", min=1.0, help="Seconds a claimed job is leased for.")
    ] = 60.0,
    poll: Annotated[
        float, typer.Option("--poll", min=0.05, help="Seconds between looks for new jobs.")
    ] = 1.0,
    only: Annotated[
        list[str], typer.Option("--only", help="Run only jobs of this name (repeatable).")
    ] = [],  # noqa: B006
    module: Annotated[
        list[str], typer.Option("--import", help="Import a module that registers jobs.")
    ] = [],  # noqa: B006
    nice: Annotated[
        int | None,
        typer.Option(
            "--nice",
            min=0,
            max=19,
            help="Lower the worker's CPU priority by this much, so that saves and pages "
            "come first on a busy machine (default: CXM_WORKER_NICE).",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run background jobs from the outbox (reminders, segment recomputes, reports)."""
    import signal

    from cxm.cli.context import open_store, settings
    from cxm.cli.output import console, err_console, print_json
    from cxm.jobs.worker import Worker, lower_priority

    lower_priority(settings().worker_nice if nice is None else nice)
    with open_store() as store:
        w = Worker(
            store,
            settings(),
            concurrency=concurrency,
            lease_s=lease,
            poll_s=poll,
            names=only or None,
            modules=module,
        )

        def stop(_signum: int, _frame: object) -> None:
            w.stop_event.set()

        signal.signal(signal.SIGTERM, stop)
        if not once:
            err_console.print(
                _("Worker started ({n} at once); stop it with Ctrl+C.", n=concurrency)
            )
        try:
            outcome = w.run(once=once)
        except KeyboardInterrupt:
            w.stop_event.set()
            outcome = w.outcome
    if as_json:
        print_json(outcome.as_dict())
    else:
        o = outcome
        console.print(
            _(
                "Jobs done: {done}; to retry: {retried}; dead: {dead}; lease lost: {lost}.",
                done=o.done,
                retried=o.retried,
                dead=o.dead,
                lost=o.lost,
            )
        )


def list_(
    status: Annotated[
        str | None, typer.Option("--status", help="queued, running, done or dead.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
    as_json: JsonOpt = False,
) -> None:
    """The latest jobs, with their state, attempts and last error."""
    from sqlalchemy import select

    from cxm.cli.context import open_store
    from cxm.cli.output import print_json, print_table
    from cxm.jobs.models import Job, JobStatus

    q = select(Job).order_by(Job.id.desc()).limit(limit)
    if status:
        try:
            q = q.where(Job.status == JobStatus(status))
        except ValueError:
            raise InputError(
                _(
                    "Unknown job status {value}; use one of: {codes}",
                    value=status,
                    codes=", ".join(s.value for s in JobStatus),
                )
            ) from None
    with open_store() as store, store.session() as s:
        rows = [
            {
                "id": j.id,
                "name": j.name,
                "status": j.status.value,
                "attempts": j.attempts,
                "run_at": j.run_at,
                "leased_by": j.leased_by,
                "lease_until": j.lease_until,
                "key": j.key,
                "payload": j.payload,
                "last_error": j.last_error,
            }
            for j in s.scalars(q)
        ]
    if as_json:
        print_json(rows)
        return
    cols = ["id", "name", "status", "attempts", "run_at", "last_error"]
    print_table(_("Jobs"), cols, [[r[c] for c in cols] for r in rows])


def enqueue(
    name: Annotated[str, typer.Argument(help="Registered job name, e.g. waves.remind.")],
    payload: Annotated[str, typer.Option("--payload", help="JSON object.")] = "{}",
    key: Annotated[
        str | None, typer.Option("--key", help="Idempotency key: one job per key.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a job to the outbox (a worker runs it)."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.jobs.outbox import enqueue as add

    try:
        data = json.loads(payload)
    except json.JSONDecodeError as exc:
        raise InputError(_("--payload is not JSON: {reason}", reason=str(exc))) from None
    if not isinstance(data, dict):
        raise InputError(_("--payload must be a JSON object, like {example}.", example='{"a": 1}'))
    with open_store() as store, store.session() as s:
        job_id = add(s, name, data, key=key)
    if as_json:
        print_json({"id": job_id, "name": name, "key": key})
    else:
        console.print(_("Job {id} ({name}) queued.", id=job_id, name=name))


def prune(
    keep_days: Annotated[
        int | None,
        typer.Option(
            "--keep-days",
            min=0,
            help="Keep done jobs this many days (default: CXM_JOBS_KEEP_DAYS).",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only count the jobs that would be deleted.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Delete done jobs older than the retention; dead jobs are kept for inspection."""
    from cxm.cli.context import open_store, settings
    from cxm.cli.output import console, print_json
    from cxm.clock import shown_time
    from cxm.jobs.prune import prune_done

    days = settings().jobs_keep_days if keep_days is None else keep_days
    with open_store() as store, store.writing(), store.session() as s:
        result = prune_done(s, keep_days=days, dry_run=dry_run)
    if as_json:
        print_json(
            {
                "deleted": result.deleted,
                "dry_run": dry_run,
                "keep_days": result.keep_days,
                "finished_before": result.finished_before,
                "done_left": result.done_left,
                "dead": result.dead,
            }
        )
        return
    line = (
        _(
            "{n} done jobs finished before {date} would be deleted; {dead} dead jobs kept.",
            n=result.deleted,
            date=shown_time(result.finished_before),
            dead=result.dead,
        )
        if dry_run
        else _(
            "{n} done jobs finished before {date} deleted; {dead} dead jobs kept.",
            n=result.deleted,
            date=shown_time(result.finished_before),
            dead=result.dead,
        )
    )
    console.print(line)


def register(app: typer.Typer) -> None:
    app.command("worker", help=_("Run background jobs from the outbox."))(worker)
    jobs = typer.Typer(help=_("Background jobs: list, enqueue and prune."), no_args_is_help=True)
    jobs.command("list")(list_)
    jobs.command("enqueue")(enqueue)
    jobs.command("prune")(prune)
    app.add_typer(jobs, name="jobs")
