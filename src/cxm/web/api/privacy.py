"""``/api/v1/privacy``: a customer's personal data on request, and retention (admins only)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from cxm.accounts.permissions import Capability
from cxm.crypto import DataKey
from cxm.privacy.erase import erase_customer
from cxm.privacy.export import export_customer
from cxm.privacy.retention import enforce_retention
from cxm.privacy.service import after_erasure
from cxm.web.deps import AppSettings, AppStore
from cxm.web.permissions import Grant, Require

AdminUser = Annotated[Grant, Require(Capability.MANAGE_PERSONAL_DATA)]

__all__ = ["router"]

router = APIRouter(prefix="/privacy", tags=["privacy"])

CustomerRef = PathParam(
    min_length=1, max_length=100, description="External id of the customer, or #id."
)


class PersonalData(BaseModel):
    format: str
    generated_at: str
    cxm_version: str
    customer: dict[str, Any]
    identity_numbers: dict[str, str]
    tables: dict[str, list[dict[str, Any]]]


class ErasureOut(BaseModel):
    customer_id: int
    rows_masked: dict[str, int]
    links_cut: dict[str, int]
    identity_numbers_deleted: int


class RetentionOut(BaseModel):
    applied: bool
    days: dict[str, int]
    due: dict[str, int] = Field(description="Rows or files past their retention, per kind.")


def _key(settings: AppSettings) -> DataKey | None:
    value = settings.data_key.get_secret_value()
    previous = settings.data_key_previous.get_secret_value()
    return DataKey.from_setting(value, previous) if value else None


@router.get("/customers/{reference}", response_model=PersonalData)
def export(
    store: AppStore, settings: AppSettings, admin: AdminUser, reference: str = CustomerRef
) -> dict[str, Any]:
    """Everything held about one customer (the request is logged)."""
    with store.session() as session:
        return export_customer(
            session, reference=reference, done_by="staff:" + admin.user.name, key=_key(settings)
        )


@router.post("/customers/{reference}/erase", response_model=ErasureOut)
def erase(store: AppStore, admin: AdminUser, reference: str = CustomerRef) -> dict[str, Any]:
    """Erase one customer's personal data for good; answers stay without identity."""
    with store.writing(), store.session() as session:
        report = erase_customer(session, reference=reference, done_by="staff:" + admin.user.name)
    after_erasure(store)
    return report.as_dict()


def _retention(store: AppStore, settings: AppSettings, admin_name: str, apply: bool) -> Any:
    with store.writing(), store.session() as session:
        report = enforce_retention(
            session,
            days=settings.retention_days,
            apply=apply,
            done_by="staff:" + admin_name,
            backup_dir=Path(settings.backup_dir),
        )
    return {"applied": report.applied, "days": report.days, "due": report.due}


@router.get("/retention", response_model=RetentionOut)
def retention_due(store: AppStore, settings: AppSettings, admin: AdminUser) -> Any:
    """What retention would remove now (nothing is removed)."""
    return _retention(store, settings, admin.user.name, apply=False)


@router.post("/retention", response_model=RetentionOut)
def retention_apply(store: AppStore, settings: AppSettings, admin: AdminUser) -> Any:
    """Remove what is kept longer than its retention."""
    return _retention(store, settings, admin.user.name, apply=True)
