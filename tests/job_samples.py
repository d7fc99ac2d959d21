"""Jobs registered for the job runner's tests (imported by workers with ``--import``).

Each writes one line per start to the file named in its payload (``log``), so a test can
count how often a job began, and adds its effect inside the job's transaction: a queued
``tests.effect`` job keyed by the job id, so a test can count completed runs in the store.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from cxm.jobs import JobContext, enqueue, job


def _note(ctx: JobContext, what: str) -> None:
    line = f"{what} {ctx.job_id} {ctx.attempt} {ctx.worker}\n"
    fd = os.open(Path(ctx.payload["log"]), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())  # one write with O_APPEND: lines never interleave
    finally:
        os.close(fd)


@job("tests.effect")
def effect(ctx: JobContext) -> None:
    """The effect marker; never run by the tests' workers (``--only``)."""


@job("tests.mark", retry_base_s=0.0)
def mark(ctx: JobContext) -> None:
    _note(ctx, "start")
    time.sleep(float(ctx.payload.get("sleep", 0.0)))
    enqueue(ctx.tx, "tests.effect", {"of": ctx.job_id}, key=f"effect-{ctx.job_id}")
    _note(ctx, "end")


@job("tests.flaky", max_attempts=3, retry_base_s=0.0)
def flaky(ctx: JobContext) -> None:
    _note(ctx, "start")
    enqueue(ctx.tx, "tests.effect", {"of": ctx.job_id}, key=f"effect-{ctx.job_id}-{ctx.attempt}")
    if ctx.attempt < int(ctx.payload["succeed_on"]):
        raise RuntimeError(f"attempt {ctx.attempt} fails")


@job("tests.batched", retry_base_s=0.0, batch=4)
def batched(ctx: JobContext) -> None:
    """Runs up to four queued jobs at once: writes one line naming every job of the batch."""
    ids = " ".join(str(p["n"]) for p in ctx.payloads)
    fd = os.open(Path(ctx.payload["log"]), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{ids}\n".encode())
    finally:
        os.close(fd)
    for p in ctx.payloads:
        enqueue(ctx.tx, "tests.effect", {"of": p["n"]}, key=f"batched-{p['n']}")


@job("tests.batched_fail", retry_base_s=0.0, max_attempts=2, batch=4)
def batched_fail(ctx: JobContext) -> None:
    """Adds its effects, then fails when any job of the batch asks to."""
    for p in ctx.payloads:
        enqueue(ctx.tx, "tests.effect", {"of": p["n"]}, key=f"batched-fail-{p['n']}")
    if any(p.get("fail") for p in ctx.payloads):
        raise RuntimeError("asked to fail")
