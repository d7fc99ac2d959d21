"""Importing and exporting responses: a LimeSurvey-style CSV of ``--rows`` responses is
imported into a fresh database (one transaction, every cell validated), then exported as
CSV (streamed), XLSX and SPSS .sav. Prints rows per second for each step and the process's
peak memory.

    .venv/bin/python benchmarks/responses_io.py --rows 20000
    .venv/bin/python benchmarks/responses_io.py --postgres postgresql+psycopg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from cxm.responses_io.export import csv_chunks, plan_export
from cxm.responses_io.formats import write_sav_file, write_xlsx_file
from cxm.responses_io.importing import import_responses
from cxm.store import Store, make_engine
from cxm.surveys.loader import parse_definition
from cxm.surveys.questionnaires import save_questionnaire
from cxm.surveys.waves import create_wave

QUESTIONNAIRE = {
    "code": "bench",
    "title": {"en": "Benchmark"},
    "pages": [
        {
            "questions": [
                {"code": f"Q{i}", "type": "satisfaction5", "text": {"en": f"Item {i}"}}
                for i in range(1, 11)
            ]
            + [
                {"code": "NPS", "type": "nps", "dont_know": True, "text": {"en": "Recommend?"}},
                {
                    "code": "WHY",
                    "type": "multiple",
                    "required": False,
                    "text": {"en": "Why?"},
                    "choices": [{"code": c, "text": {"en": c}} for c in ("a", "b", "c")],
                },
                {"code": "IMPROVE", "type": "text", "required": False, "text": {"en": "?"}},
            ]
        }
    ],
}


def _csv(path: Path, rows: int) -> None:
    rng = random.Random(1)
    items = [f"Q{i}" for i in range(1, 11)]
    header = ["id", "submitdate", *items, "NPS", "WHY[a]", "WHY[b]", "WHY[c]", "IMPROVE"]
    with path.open("w", encoding="utf-8") as fh:
        fh.write(",".join(header) + "\n")
        for n in range(rows):
            cells = [str(n + 1), "2026-10-01 10:00:00"]
            cells += [str(rng.randint(1, 5)) for _ in items]
            cells.append("dk" if n % 17 == 0 else str(rng.randint(0, 10)))
            cells += ["Y" if rng.random() < 0.3 else "" for _ in range(3)]
            cells.append("=cmd" if n % 101 == 0 else f"comment {n} 希望更快")
            fh.write(",".join(cells) + "\n")


def _fresh(url: str | None, folder: Path) -> Store:
    if url is None:
        return Store.open(f"sqlite:///{folder / 'bench.db'}")
    base = make_url(url)
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "cxm_bench_io" WITH (FORCE)'))
        conn.execute(text('CREATE DATABASE "cxm_bench_io"'))
    admin.dispose()
    return Store.open(base.set(database="cxm_bench_io").render_as_string(hide_password=False))


def run(url: str | None, rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = _fresh(url, folder)
        name = "PostgreSQL" if url else "SQLite"
        with store.session() as s:
            saved = save_questionnaire(s, definition=parse_definition(QUESTIONNAIRE))
            wave = create_wave(
                s,
                questionnaire_id=saved.questionnaire_id,
                name="bench",
                opens_on=date(2026, 10, 1),
                closes_on=date(2026, 10, 31),
            )
        source = folder / "lime.csv"
        _csv(source, rows)
        t0 = time.perf_counter()
        with store.session() as s:
            result = import_responses(s, path=source, questionnaire="bench", wave_id=wave.id)
        t_import = time.perf_counter() - t0
        assert result.imported == rows
        print(f"{name}: import {rows} rows: {t_import:.2f} s ({rows / t_import:,.0f} rows/s)")
        plan = plan_export(store, wave_id=wave.id, lang="en")
        t0 = time.perf_counter()
        with (folder / "out.csv").open("wb") as fh:
            for chunk in csv_chunks(store, plan):
                fh.write(chunk)
        t = time.perf_counter() - t0
        print(f"{name}: export CSV (streamed): {t:.2f} s ({rows / t:,.0f} rows/s)")
        for label, writer, suffix in (
            ("XLSX", write_xlsx_file, "xlsx"),
            ("SPSS .sav", write_sav_file, "sav"),
        ):
            t0 = time.perf_counter()
            writer(store, plan, folder / f"out.{suffix}")
            t = time.perf_counter() - t0
            print(f"{name}: export {label}: {t:.2f} s ({rows / t:,.0f} rows/s)")
        store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the process so far: {peak:,.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--postgres", default=None, help="PostgreSQL URL (admin database).")
    args = parser.parse_args()
    run(None, args.rows)
    if args.postgres:
        run(args.postgres, args.rows)


if __name__ == "__main__":
    main()
