"""``cxm text …``: what customers write, analysed on this machine (nothing is sent out).

``analyze`` reads one text column of a CSV/XLSX/SAV file; ``themes`` counts codebook themes
and proposes new ones; ``train`` retrains sentiment or the fault/emotion model on a firm's
labelled texts; ``report`` adds what the themes cost (lift on detractors and churn).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["analyze", "register", "report", "themes", "train"]

FileArg = Annotated[Path, typer.Argument(help="CSV, XLSX or SPSS .sav file, one row per text.")]
ColumnOpt = Annotated[str, typer.Option("--column", "-c", help="The column holding the texts.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
LangOpt = Annotated[str, typer.Option("--lang", help="auto, zh, en or mixed.")]


def _column(df: Any, name: str | None, what: str) -> None:
    if name and name not in df.columns:
        raise InputError(
            _(
                "The {what} column “{column}” is not in the file; its columns are: {columns}.",
                what=what,
                column=name,
                columns=", ".join(map(str, df.columns)),
            )
        )


def _analyse(
    file: Path, column: str, lang: str, names: str | None, labels_model: Path | None
) -> tuple[Any, Any, Any]:
    from cxm.files import read_table
    from cxm.text.analysis import Analyzer
    from cxm.text.classifier import LabelModel
    from cxm.text.pii import PiiMasker

    df = read_table(file)
    _column(df, column, _("text"))
    _column(df, names, _("names"))
    masker = PiiMasker(df[names].dropna().astype(str).tolist() if names else ())
    analyzer = Analyzer(masker=masker, labels=LabelModel(labels_model) if labels_model else None)
    return df, analyzer, analyzer.analyze(df[column].tolist(), lang=lang)


def _print_overview(doc: dict[str, Any], file: Path) -> None:
    from cxm.cli.output import console, print_table

    m = doc["sentiment"]["model_metrics"].get("heldout", {})
    console.print(
        _(
            "{n} texts in {file}, {k} analysed ({languages}).",
            n=doc["texts"],
            file=file.name,
            k=doc["analysed"],
            languages=", ".join(f"{k} {v}" for k, v in doc["languages"].items()) or "-",
        )
    )
    if m:
        console.print(
            _(
                "Sentiment model: accuracy {acc:.3f}, macro-F1 {f1:.3f} on {n} held-out reviews.",
                acc=m["accuracy"],
                f1=m["macro_f1"],
                n=m["n"],
            )
        )
    mean = doc["sentiment"]["mean"]
    print_table(
        _("Sentiment"),
        [_("label"), "n"],
        [[k, v] for k, v in doc["sentiment"]["labels"].items()]
        + [[_("mean P(positive)"), "" if mean is None else f"{mean:.3f}"]],
    )
    print_table(_("Service faults (lexicon)"), [_("fault"), "n"], list(doc["faults"].items()))
    print_table(_("Emotions (lexicon)"), [_("emotion"), "n"], list(doc["emotions"].items()))
    print_table(_("Themes"), [_("theme"), "n"], list(doc["themes"].items()))


def analyze(
    file: FileArg,
    column: ColumnOpt,
    lang: LangOpt = "auto",
    names: Annotated[
        str | None, typer.Option("--names", help="A column of customer names to mask.")
    ] = None,
    labels_model: Annotated[
        Path | None,
        typer.Option("--labels-model", help="A fault/emotion model from “cxm text train”."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write one row per text to this CSV.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Language, sentiment, service faults, emotions and themes of each text (PII masked)."""
    from cxm.cli.output import console, print_json
    from cxm.text.summary import overview

    _df, analyzer, analysed = _analyse(file, column, lang, names, labels_model)
    doc = overview(analysed, sentiment_metrics=analyzer.sentiment.metrics)
    if analyzer.labels is not None:
        doc["labels_model_metrics"] = analyzer.labels.metrics
    if output is not None:
        flat = analysed.drop(columns=["evidence"]).assign(
            faults=analysed["faults"].map(";".join), themes=analysed["themes"].map(";".join)
        )
        flat.to_csv(output, index=False, encoding="utf-8-sig")
    if as_json:
        rows = analysed.assign(
            faults=analysed["faults"].map(list), themes=analysed["themes"].map(list)
        )
        doc["rows"] = rows.replace({float("nan"): None}).to_dict(orient="records")
        print_json({"file": file.name, "column": column, **doc})
        return
    _print_overview(doc, file)
    if analyzer.labels is not None:
        from cxm.cli.output import print_table

        decided = analysed[[c for c in analysed.columns if c.startswith("model_")]]
        print_table(
            _("Faults and emotions by the staff-label model (precision and recall by CV)"),
            [_("class"), _("yes"), _("uncertain"), _("precision"), _("recall")],
            [
                [
                    c,
                    int((decided[f"model_{c}"] == "yes").sum()),
                    int((decided[f"model_{c}"] == "uncertain").sum()),
                    m["precision"],
                    m["recall"],
                ]
                for c, m in analyzer.labels.metrics.items()
            ],
        )
    if output is not None:
        console.print(_("Wrote {n} rows to {path}.", n=len(analysed), path=str(output)))


def themes(
    file: FileArg,
    column: ColumnOpt,
    discover: Annotated[
        int, typer.Option("--discover", help="Propose this many new themes (0: none).")
    ] = 6,
    codebook: Annotated[
        Path | None, typer.Option("--codebook", help="A codebook YAML (default: shipped).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Codebook themes of the texts, and new themes proposed by NMF on the uncoded ones."""
    from cxm.cli.output import console, print_json, print_table
    from cxm.files import read_table
    from cxm.text.analysis import Analyzer
    from cxm.text.codebook import default_codebook, load_codebook
    from cxm.text.discover import discover_themes
    from cxm.text.summary import quotes_by_theme

    book = load_codebook(codebook) if codebook else default_codebook()
    df = read_table(file)
    _column(df, column, _("text"))
    analysed = Analyzer(codebook=book).analyze(df[column].tolist())
    present = analysed[analysed["text"] != ""]
    counts = {t: int(present["themes"].map(lambda ts, t=t: t in ts).sum()) for t in book.themes}
    uncoded = present[present["themes"].map(len) == 0]["text"].tolist()
    proposals = discover_themes(uncoded, k=discover) if discover and uncoded else []
    doc: dict[str, Any] = {
        "file": file.name,
        "codebook_version": book.version,
        "texts": len(present),
        "uncoded": len(uncoded),
        "themes": [
            {
                "theme": t,
                "label": th.label("zh"),
                "kind": th.kind,
                "parent": th.parent,
                "texts": counts[t],
            }
            for t, th in book.themes.items()
        ],
        "quotes": quotes_by_theme(present),
        "proposed": [
            {
                "number": p.number,
                "top_terms": list(p.top_terms),
                "texts": p.texts,
                "share": p.share,
                "examples": list(p.examples),
                "codebook_entry": p.codebook_entry(),
            }
            for p in proposals
        ],
    }
    if as_json:
        print_json(doc)
        return
    print_table(
        _("Themes (codebook version {v})", v=book.version),
        [_("theme"), _("kind"), "n", "%"],
        [
            [
                ("  " if r["parent"] else "") + r["theme"],
                r["kind"],
                r["texts"],
                f"{100 * r['texts'] / max(len(present), 1):.1f}",
            ]
            for r in doc["themes"]
        ],
    )
    console.print(_("{n} texts match no theme.", n=len(uncoded)))
    for p in proposals:
        console.print(
            _(
                "Proposed theme {n} ({k} texts): {terms}",
                n=p.number,
                k=p.texts,
                terms=" ".join(p.top_terms),
            )
        )
        for example in p.examples:
            console.print(f"    “{example}”")


def train(
    file: FileArg,
    text: Annotated[str, typer.Option("--text", help="The column holding the texts.")],
    label: Annotated[
        str,
        typer.Option(
            "--label",
            help="The label column: positive/negative (sentiment) or fault and emotion names "
            "separated by ';' (labels).",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Where to write the model (.skops).")],
    task: Annotated[str, typer.Option("--task", help="sentiment or labels.")] = "sentiment",
    seed: Annotated[int, typer.Option("--seed", help="Random seed (CV folds).")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Retrain a model on the firm's own labelled texts; prints its cross-validated accuracy."""
    from cxm.cli.output import console, print_json, print_table
    from cxm.files import read_table
    from cxm.text.classifier import parse_labels, train_label_model
    from cxm.text.train import train_sentiment

    if task not in ("sentiment", "labels"):
        raise InputError(_("--task must be sentiment or labels (got {value}).", value=task))
    if out.suffix != ".skops":
        raise InputError(_("--out must end in .skops (got {value}).", value=str(out)))
    df = read_table(file)
    _column(df, text, _("text"))
    _column(df, label, _("label"))
    if task == "sentiment":
        card = train_sentiment(
            df[text].tolist(), df[label].tolist(), out=out, data_name=file.name, seed=seed
        )
    else:
        card = train_label_model(
            df[text].tolist(),
            parse_labels(df[label].tolist()),
            out=out,
            data_name=file.name,
            seed=seed,
        )
    if as_json:
        print_json(card)
        return
    console.print(_("Wrote {path} (trained on {n} texts).", path=str(out), n=card["data"]["texts"]))
    metrics = next(iter(card["metrics"].values()))
    if task == "sentiment":
        print_table(_("Cross-validated"), [_("measure"), _("value")], list(metrics.items()))
    else:
        print_table(
            _("Cross-validated, per class"),
            [_("class"), "n", _("precision"), _("recall")],
            [[c, m["support"], m["precision"], m["recall"]] for c, m in metrics.items()],
        )


def report(
    file: Annotated[
        Path | None,
        typer.Argument(help="CSV, XLSX or SAV file, one row per text; omit to use the store."),
    ] = None,
    column: Annotated[
        str | None, typer.Option("--column", "-c", help="The column holding the texts.")
    ] = None,
    segment: Annotated[str | None, typer.Option("--segment", help="Segment column.")] = None,
    wave: Annotated[str | None, typer.Option("--wave", help="Wave column.")] = None,
    detractor: Annotated[
        str | None, typer.Option("--detractor", help="0/1 column: the customer is a detractor.")
    ] = None,
    churned: Annotated[
        str | None, typer.Option("--churned", help="0/1 column: the customer has left.")
    ] = None,
    customer: Annotated[str | None, typer.Option("--customer", help="Customer id column.")] = None,
    value: Annotated[
        str | None, typer.Option("--value", help="Customer value column (weights requests).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """What the themes cost: frequency and sentiment per group, lift on detractors and churn
    (controlling for segment), emerging themes, fault shares, requests routed, quotes.
    Without a file: every text in the store (survey answers, complaint logs, notes)."""
    from cxm.cli.output import print_json
    from cxm.i18n import current_language

    if file is None:
        from cxm.cli.context import open_store
        from cxm.text.service import what_customers_say

        with open_store() as store, store.session() as s:
            doc = what_customers_say(s, lang=current_language())
        doc = {"file": None, **doc}
    else:
        if not column:
            raise InputError(_("--column is required with a file."))
        doc = _file_report(file, column, segment, wave, detractor, churned, customer, value)
    if as_json:
        print_json(doc)
        return
    _print_report(doc, file)


def _file_report(
    file: Path,
    column: str,
    segment: str | None,
    wave: str | None,
    detractor: str | None,
    churned: str | None,
    customer: str | None,
    value: str | None,
) -> dict[str, Any]:
    from cxm.i18n import current_language
    from cxm.text.summary import overview, text_report

    df, analyzer, analysed = _analyse(file, column, "auto", None, None)
    for c in (segment, wave, detractor, churned, customer, value):
        _column(df, c, c or "")
    context = [c for c in dict.fromkeys((segment, wave, detractor, churned, customer, value)) if c]
    frame = analysed.join(df[context].reset_index(drop=True))
    return {
        "file": file.name,
        "overview": overview(analysed, sentiment_metrics=analyzer.sentiment.metrics),
        **text_report(
            frame,
            analyzer.codebook,
            segment=segment,
            wave=wave,
            detractor=detractor,
            churned=churned,
            customer=customer,
            value=value,
            lang=current_language(),
        ),
    }


def _print_report(doc: dict[str, Any], file: Path | None) -> None:
    from cxm.cli.output import console, print_table

    _print_overview(doc["overview"], file or Path(_("the store")))
    for key, title in (
        ("lift_detractor", _("Lift on detractors")),
        ("lift_churn", _("Lift on churn")),
    ):
        if doc.get(key):
            print_table(
                title + " " + _("(odds ratio, controlling for segment)"),
                [_("theme"), "n", _("odds ratio"), _("95% CI"), "p"],
                [
                    [
                        r["theme"],
                        r["texts"],
                        "" if r["odds_ratio"] is None else f"{r['odds_ratio']:.2f}",
                        "" if r["ci_low"] is None else f"{r['ci_low']:.2f}–{r['ci_high']:.2f}",
                        "" if r["p_value"] is None else f"{r['p_value']:.3g}",
                    ]
                    for r in doc[key]
                ],
            )
    if doc.get("emerging"):
        rising = [r for r in doc["emerging"] if r["emerging"]]
        console.print(_("{n} themes rose beyond chance between waves.", n=len(rising)))
    if doc.get("fault_share"):
        print_table(
            _("Service faults among churned and retained customers"),
            [_("fault"), _("churned"), _("retained")],
            [
                [
                    r["fault"],
                    f"{100 * (r['churned_share'] or 0):.1f}%",
                    f"{100 * (r['retained_share'] or 0):.1f}%",
                ]
                for r in doc["fault_share"]
            ],
        )
    if doc.get("routing"):
        print_table(
            _("Requests and market information for their owners"),
            [_("theme"), _("owner"), _("customers"), _("value share")],
            [
                [r["theme"], r["owner"], r["customers"], f"{100 * (r['value_share'] or 0):.1f}%"]
                for r in doc["routing"]
            ],
        )


def register(app: typer.Typer) -> None:
    text_app = typer.Typer(
        help="What customers write: sentiment, service faults, emotions, themes.",
        no_args_is_help=True,
    )
    text_app.command("analyze")(analyze)
    text_app.command("themes")(themes)
    text_app.command("train")(train)
    text_app.command("report")(report)
    app.add_typer(text_app, name="text")
