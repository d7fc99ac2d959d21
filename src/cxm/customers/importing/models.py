"""Tables the importers add: order lines (one row per line of a shop's or ERP's order
export) and customer merges (one customer arriving from several sources, with undo)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from cxm.store.base import Base, TimestampMixin, json_type

__all__ = ["CustomerMerge", "ImportedResponse", "OrderLine"]


class OrderLine(TimestampMixin, Base):
    """One line of an order. The order itself is a :class:`~cxm.customers.models.Purchase`
    whose ``external_id`` is ``order_id`` and whose revenue is the sum of its lines. A
    return is a line with a negative quantity; a cancellation's lines name in ``cancels``
    the order they cancel."""

    __tablename__ = "order_lines"
    __table_args__ = (Index("ix_order_lines_customer_product", "customer_id", "product"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: ``<order_id>#<line number>``: the line number from the file, else its position
    #: among the order's lines in the file (so re-importing finds the same keys).
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    order_id: Mapped[str] = mapped_column(String(100), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    ordered_on: Mapped[date] = mapped_column(Date)
    product: Mapped[str] = mapped_column(String(200))
    product_code: Mapped[str | None] = mapped_column(String(100))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    unit_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    cancels: Mapped[str | None] = mapped_column(String(100))


class CustomerMerge(TimestampMixin, Base):
    """``merged`` was folded into ``kept``: the rows that pointed at the merged customer
    were moved (``moved``: table → row ids) and its row deleted (``snapshot`` keeps every
    column, so that :func:`~cxm.customers.importing.merging.unmerge` can restore it)."""

    __tablename__ = "customer_merges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kept_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    merged_id: Mapped[int] = mapped_column(Integer)
    merged_external_id: Mapped[str] = mapped_column(String(100), index=True)
    #: the match keys that made the two one customer (``phone``, ``email``…)
    keys: Mapped[str] = mapped_column(String(200))
    snapshot: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)
    moved: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)
    merged_by: Mapped[str | None] = mapped_column(String(200))
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ImportedResponse(TimestampMixin, Base):
    """A response that came from an imported file, under the row's key (a hash of the
    tool's response id, else of respondent, wave and answers): importing the same file
    again finds the key and leaves the response alone."""

    __tablename__ = "imported_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questionnaires.id", ondelete="CASCADE"), index=True
    )
    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"), index=True
    )
