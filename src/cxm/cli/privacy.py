"""``cxm privacy``: a customer's personal data on request (export, erase), retention, and
encrypted identity numbers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cxm.cli.output import console, err_console, print_json
from cxm.i18n import _

if TYPE_CHECKING:
    from cxm.crypto import DataKey

__all__ = ["register"]

Customer = Annotated[
    str, typer.Argument(help="The customer's external id (or #id for the internal id).")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _operator() -> str:
    import getpass

    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _key(required: bool) -> DataKey | None:
    from cxm.cli.context import settings
    from cxm.crypto import DataKey

    value = settings().data_key.get_secret_value()
    if not value and not required:
        return None
    return DataKey.from_setting(value, settings().data_key_previous.get_secret_value())


def _required_key() -> DataKey:
    """The data key; a missing one raises (from ``DataKey.from_setting``)."""
    key = _key(True)
    if key is None:  # _key(True) never returns None
        raise RuntimeError("no data key")
    return key


def export(
    customer: Customer,
    out: Annotated[
        Path | None, typer.Option("--out", help="ZIP file to write (default: print the JSON).")
    ] = None,
) -> None:
    """Everything held about one customer, as JSON (or a ZIP with --out)."""
    from cxm.cli.context import open_store
    from cxm.privacy.export import export_customer, write_export_zip

    with open_store() as store, store.session() as session:
        document = export_customer(
            session, reference=customer, done_by=_operator(), key=_key(False)
        )
    if out is None:
        print_json(document)
        return
    write_export_zip(document, out)
    err_console.print(_("Written to {path}.", path=str(out)))


def erase(
    customer: Customer,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Erase one customer's personal data for good (answers stay, without identity)."""
    from cxm.cli.context import open_store
    from cxm.privacy.erase import erase_customer
    from cxm.privacy.service import after_erasure

    if not yes and not typer.confirm(
        _("Erase the personal data of customer {ref}? This cannot be undone.", ref=customer)
    ):
        raise typer.Abort()
    with open_store() as store:
        with store.writing(), store.session() as session:
            report = erase_customer(session, reference=customer, done_by=_operator())
        after_erasure(store)
    if as_json:
        print_json(report.as_dict())
        return
    console.print(_("Customer #{id} erased.", id=report.customer_id))
    for table, n in sorted(report.rows.items()):
        console.print("  " + _("{table}: {n} rows masked", table=table, n=n))
    for table, n in sorted(report.unlinked.items()):
        console.print("  " + _("{table}: {n} rows no longer linked", table=table, n=n))
    if report.identity_numbers_deleted:
        console.print("  " + _("identity numbers deleted: {n}", n=report.identity_numbers_deleted))
    console.print(
        _("Backups taken before now still hold the data until they expire (retention of backups).")
    )


def retention(
    apply: Annotated[
        bool, typer.Option("--apply", help="Remove what is due (else count).")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Count (or with --apply remove) data kept longer than CXM_RETENTION_DAYS allows."""
    from cxm.cli.context import open_store, settings
    from cxm.privacy.retention import enforce_retention

    cfg = settings()
    with open_store() as store, store.writing(), store.session() as session:
        report = enforce_retention(
            session,
            days=cfg.retention_days,
            apply=apply,
            done_by=_operator(),
            backup_dir=Path(cfg.backup_dir),
        )
    if as_json:
        print_json({"applied": report.applied, "days": report.days, "due": report.due})
        return
    if not report.days:
        console.print(_("No retention is set (CXM_RETENTION_DAYS): everything is kept."))
    for kind, n in report.due.items():
        line = _("{kind}: {n} past {days} days", kind=kind, n=n, days=report.days[kind])
        console.print(line + (" — " + _("removed") if apply and n else ""))


def set_number(
    customer: Customer,
    kind: Annotated[str, typer.Option("--kind", help="id_card or bank_card.")],
    number: Annotated[
        str, typer.Option("--number", prompt=True, hide_input=True, help="The number.")
    ],
) -> None:
    """Store a customer's ID-card or bank-card number, encrypted with CXM_DATA_KEY."""
    from cxm.cli.context import open_store
    from cxm.privacy.numbers import set_number as store_number
    from cxm.privacy.subject import find_customer

    key = _required_key()
    with open_store() as store, store.session() as session:
        found = find_customer(session, customer)
        row = store_number(session, key=key, customer_id=found.id, kind=kind, number=number)
    console.print(_("Stored (ending {last4}).", last4=row.last4))


def find_number(
    kind: Annotated[str, typer.Option("--kind", help="id_card or bank_card.")],
    number: Annotated[
        str, typer.Option("--number", prompt=True, hide_input=True, help="The number.")
    ],
) -> None:
    """The customers holding an ID-card or bank-card number (matched by its keyed hash)."""
    from sqlalchemy import select

    from cxm.cli.context import open_store
    from cxm.customers.models import Customer as CustomerRow
    from cxm.privacy.numbers import customers_with_number

    key = _required_key()
    with open_store() as store, store.session() as session:
        ids = customers_with_number(session, key=key, kind=kind, number=number)
        refs = session.scalars(select(CustomerRow.external_id).where(CustomerRow.id.in_(ids))).all()
    for ref in refs:
        console.print(ref)
    if not refs:
        err_console.print(_("No customer holds this number."))


def rotate_key(as_json: JsonFlag = False) -> None:
    """Re-encrypt every identity number and TOTP secret under CXM_DATA_KEY.

    Set the new key as CXM_DATA_KEY and the old one as CXM_DATA_KEY_PREVIOUS, run this,
    then remove CXM_DATA_KEY_PREVIOUS. Until then both keys are accepted."""
    from cxm.cli.context import open_store
    from cxm.cli.output import progress_bar
    from cxm.privacy.rotation import rotate_key as rotate

    key = _required_key()
    with (
        open_store() as store,
        store.writing(),
        store.session() as session,
        progress_bar(transient=True, disable=as_json) as bar,
    ):
        task = bar.add_task(_("Re-encrypting"), total=None)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = rotate(session, key=key, done_by=_operator(), progress=step)
    if as_json:
        print_json(report.as_dict())
        return
    console.print(
        _(
            "Re-encrypted under key {key_id}: {numbers} identity numbers, {secrets} TOTP "
            "secrets; {unchanged} already under it.",
            key_id=report.key_id,
            numbers=report.numbers,
            secrets=report.totp_secrets,
            unchanged=report.unchanged,
        )
    )
    if key.previous:
        console.print(_("Every value is now under CXM_DATA_KEY: remove CXM_DATA_KEY_PREVIOUS."))


def register(app: typer.Typer) -> None:
    privacy = typer.Typer(help="Personal data: export, erase, retention.", no_args_is_help=True)
    privacy.command("export")(export)
    privacy.command("erase")(erase)
    privacy.command("retention")(retention)
    privacy.command("set-number")(set_number)
    privacy.command("find-number")(find_number)
    privacy.command("rotate-key")(rotate_key)
    app.add_typer(privacy, name="privacy")
