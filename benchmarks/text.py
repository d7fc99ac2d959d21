"""Text analytics: accuracy of the shipped sentiment model and throughput of the pipeline.

Accuracy: the shipped model on the committed held-out reviews (never seen in training) and
on the hand-labelled retail/bank service comments (out of domain), against the baseline of
snownlp's own Bayes classifier retrained on the same training split (its shipped model has
seen every review). Accuracy, macro-F1, expected calibration error (10 bins) and Brier.

Throughput: synthetic service comments (median ~60 characters, clauses of the
out-of-domain set recombined with noise) streamed in chunks through every stage —
prepare (clean, language, PII), segmentation, sentiment, faults and emotions, themes —
on ``--workers`` processes; each stage timed (CPU seconds summed over workers) and the
peak memory of all processes reported.

    .venv/bin/python benchmarks/text.py --texts 100000 --workers 2
    .venv/bin/python benchmarks/text.py --skip-throughput      # accuracy only
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OOD_FILE = ROOT / "tests" / "data" / "service_comments_labelled.tsv"
CHUNK = 2000
PROGRESS_EVERY = 50_000


def _scores_row(name: str, y: Any, p: Any) -> list[str]:
    from cxm.text.evaluation import binary_scores

    s = binary_scores(y, p)
    return [
        name,
        str(s.n),
        f"{s.accuracy:.3f}",
        f"{s.macro_f1:.3f}",
        f"{s.ece:.3f}",
        f"{s.brier:.3f}",
    ]


def snownlp_baseline(train: pd.DataFrame) -> Any:
    """snownlp's Bayes sentiment classifier, retrained on our training split."""
    from snownlp import sentiment

    model = sentiment.Sentiment()
    model.train(
        train[train["label"] == 0]["text"].tolist(), train[train["label"] == 1]["text"].tolist()
    )
    return model


def accuracy(baseline: bool) -> None:
    from cxm.text.clean import prepare
    from cxm.text.corpus import review_corpus, split
    from cxm.text.sentiment import default_sentiment
    from cxm.text.train import heldout_frame

    model = default_sentiment()
    held = heldout_frame(ROOT)
    ood = pd.read_csv(OOD_FILE, sep="\t", dtype={"id": str, "label": int})
    parts = split(review_corpus())
    assert set(parts.heldout["id"]) == set(held["id"]), "the split no longer matches the commit"
    rows = []
    for name, frame in (("held-out reviews", held), ("out-of-domain service", ood)):
        texts = [prepare(t).text for t in frame["text"]]
        rows.append(_scores_row(f"CXM model · {name}", frame["label"], model.scores(texts)))
    if baseline:
        t0 = time.perf_counter()
        snow = snownlp_baseline(parts.train)
        print(
            f"snownlp baseline retrained on {len(parts.train)} training reviews in "
            f"{time.perf_counter() - t0:.0f} s"
        )
        for name, frame in (("held-out reviews", held), ("out-of-domain service", ood)):
            p = [snow.classify(t) for t in frame["text"]]
            rows.append(_scores_row(f"snownlp retrained · {name}", frame["label"], p))
    head = ["model · set", "n", "accuracy", "macro-F1", "ECE", "Brier"]
    width = max(len(r[0]) for r in rows)
    print(f"{head[0]:<{width}}  " + "  ".join(f"{h:>8}" for h in head[1:]))
    for r in rows:
        print(f"{r[0]:<{width}}  " + "  ".join(f"{v:>8}" for v in r[1:]))


# --- throughput -------------------------------------------------------------------------

_CLAUSES: list[str] = []
_NOISE = ["!!", "。。。", "😡", "👍", " ", "～", "?", "，谢谢", "，唉", " 2026年", "…"]


def _init_worker() -> None:
    from cxm.text.clean import prepare
    from cxm.text.codebook import default_codebook
    from cxm.text.lexicon import default_lexicon
    from cxm.text.segment import default_segmenter
    from cxm.text.sentiment import default_sentiment

    frame = pd.read_csv(OOD_FILE, sep="\t")
    zh = [t for t in frame["text"] if not t[0].isascii()]
    _CLAUSES.extend(c for t in zh for c in t.replace("，", ",").split(",") if c)
    default_segmenter().words("预热")
    default_sentiment().zh_scores(["预热"])
    default_lexicon().find("预热")
    default_codebook().code("预热")
    prepare("预热")


def make_texts(chunk: int, n: int) -> list[str]:
    """``n`` synthetic comments, the same for the same chunk number (median ~60 chars)."""
    rng = np.random.default_rng(chunk)
    lengths = rng.lognormal(np.log(60), 0.5, n)
    out = []
    for target in lengths:
        parts: list[str] = []
        size = 0
        while size < target:
            c = _CLAUSES[int(rng.integers(len(_CLAUSES)))]
            parts.append(c)
            size += len(c) + 1
        text = "，".join(parts)[: max(int(target), 4)]
        if rng.random() < 0.3:
            text += _NOISE[int(rng.integers(len(_NOISE)))]
        out.append(text)
    return out


def run_chunk(args: tuple[int, int]) -> dict[str, Any]:
    from cxm.text.clean import prepare
    from cxm.text.codebook import default_codebook
    from cxm.text.language import detect_language
    from cxm.text.lexicon import default_lexicon
    from cxm.text.pii import PiiMasker
    from cxm.text.segment import default_segmenter
    from cxm.text.sentiment import default_sentiment

    chunk, n = args
    texts = make_texts(chunk, n)
    times: dict[str, float] = {}
    masker = PiiMasker()

    t = time.process_time()
    clean = [prepare(x).text for x in texts]
    langs = [detect_language(x) for x in clean]
    shown = [masker.mask(x) for x in clean]
    times["prepare (clean, language, PII)"] = time.process_time() - t

    t = time.process_time()
    seg = default_segmenter()
    words = sum(len(seg.tokens(x)) for x in clean)
    times["segmentation"] = time.process_time() - t

    t = time.process_time()
    scores = default_sentiment().scores(clean, langs)
    times["sentiment"] = time.process_time() - t

    t = time.process_time()
    lexicon = default_lexicon()
    faults = sum(len(lexicon.find(x).faults) for x in clean)
    times["faults and emotions"] = time.process_time() - t

    t = time.process_time()
    book = default_codebook()
    themes = sum(len(book.code(x)) for x in clean)
    times["themes"] = time.process_time() - t

    return {
        "n": n,
        "chars": sum(len(x) for x in texts),
        "lengths": [len(x) for x in texts[:200]],
        "words": words,
        "positive": int((scores >= 0.5).sum()),
        "faults": faults,
        "themes": themes,
        "masked": sum(a != b for a, b in zip(clean, shown, strict=True)),
        "times": times,
        "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "pid": os.getpid(),
    }


def throughput(total: int, workers: int) -> None:
    chunks = [(i, min(CHUNK, total - i * CHUNK)) for i in range((total + CHUNK - 1) // CHUNK)]
    stage: dict[str, float] = {}
    done = 0
    lengths: list[int] = []
    rss: dict[int, int] = {}
    counts = {"words": 0, "positive": 0, "faults": 0, "themes": 0, "chars": 0}
    # spawn, not fork: a forked worker inherits the parent's pages (the accuracy part's
    # corpus and models) and its RSS would count them again.
    ctx = mp.get_context("spawn")
    t0 = time.perf_counter()
    with ctx.Pool(workers, initializer=_init_worker) as pool:
        start = time.perf_counter()
        for result in pool.imap_unordered(run_chunk, chunks):
            done += result["n"]
            lengths.extend(result["lengths"])
            rss[result["pid"]] = max(rss.get(result["pid"], 0), result["rss_kb"])
            for k in counts:
                counts[k] += result[k]
            for k, v in result["times"].items():
                stage[k] = stage.get(k, 0.0) + v
            if done // PROGRESS_EVERY != (done - result["n"]) // PROGRESS_EVERY:
                # A progress line, so a run cut short still reports what it measured.
                elapsed = time.perf_counter() - start
                print(
                    f"  … {done:,} texts in {elapsed:.0f} s wall: {done / elapsed:,.0f} texts/s, "
                    f"{sum(stage.values()):.0f} CPU s in workers, load "
                    + " ".join(f"{x:.2f}" for x in os.getloadavg()),
                    flush=True,
                )
    wall = time.perf_counter() - start
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_mb = (parent + sum(rss.values())) / 1024
    print(
        f"\n{done:,} texts, median {int(np.median(lengths))} characters, "
        f"{workers} worker processes "
        f"(load average before: {LOAD[0]:.2f} {LOAD[1]:.2f} {LOAD[2]:.2f}; "
        f"after: {' '.join(f'{x:.2f}' for x in os.getloadavg())})"
    )
    print(f"start-up (models loaded per worker): {start - t0:.1f} s")
    cpu = sum(stage.values())
    for k, v in stage.items():
        print(
            f"  {k:<32} {v:8.1f} CPU s  {done / v:10,.0f} texts/s per core  {100 * v / cpu:5.1f} %"
        )
    print(
        f"all stages: {wall:.1f} s wall, {done / wall:,.0f} texts/s "
        f"({done / cpu * workers:,.0f} texts/s if {workers} cores were free)"
    )
    print(
        f"peak memory (max RSS): {peak_mb:,.0f} MB in all = workers "
        f"{sum(rss.values()) / 1024:,.0f} MB + parent {parent / 1024:,.0f} MB (the parent's "
        "peak includes the accuracy part when it ran first: use --skip-accuracy)"
    )
    print(
        f"found: {counts['positive'] / done:.1%} positive, {counts['faults']:,} faults, "
        f"{counts['themes']:,} theme codes, {counts['words'] / done:.1f} words per text"
    )


LOAD = os.getloadavg()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args(argv)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in LOAD)}, cores: {os.cpu_count()}")
    if not args.skip_accuracy:
        accuracy(baseline=not args.skip_baseline)
    if not args.skip_throughput:
        throughput(args.texts, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
