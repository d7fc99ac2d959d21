"""Which column of an import file holds which field: headers in English or Chinese.

A header is matched after NFKC, case folding and turning spaces/hyphens into ``_``, so
``Customer ID``, ``customer-id`` and ``ＣＵＳＴＯＭＥＲ_ＩＤ`` all mean ``customer_id``.
A header ``attr:<name>`` (or ``属性:<name>``) goes into the customer's attributes under
``<name>``; any other unknown header is reported as a warning and ignored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cxm.errors import InputError
from cxm.i18n import _

__all__ = [
    "CUSTOMER_FIELDS",
    "ORDER_FIELDS",
    "PURCHASE_FIELDS",
    "TOUCHPOINT_FIELDS",
    "ColumnMap",
    "FieldSpec",
    "map_columns",
]

_CUSTOMER_ID = (
    "customer_id",
    "customer_no",
    "customer_number",
    "customer_code",
    "客户编号",
    "客户id",
    "客户号",
    "客户代码",
    "会员编号",
    "会员号",
)


@dataclass(frozen=True)
class FieldSpec:
    """One field an import understands: its name, the headers that mean it, and whether
    the file must have it."""

    name: str
    aliases: tuple[str, ...]
    required: bool = False


CUSTOMER_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("customer_id", (*_CUSTOMER_ID, "external_id"), required=True),
    FieldSpec(
        "name",
        (
            "name",
            "customer_name",
            "full_name",
            "姓名",
            "客户名称",
            "客户姓名",
            "名称",
            "客户名",
            "会员姓名",
            "会员名称",
        ),
    ),
    FieldSpec(
        "phone",
        (
            "phone",
            "mobile",
            "telephone",
            "tel",
            "phone_number",
            "电话",
            "手机",
            "手机号",
            "手机号码",
            "联系电话",
            "移动电话",
        ),
    ),
    FieldSpec("email", ("email", "e_mail", "mail", "邮箱", "电子邮箱", "电子邮件")),
    FieldSpec("region", ("region", "area", "地区", "区域", "所在地区", "大区", "销售区域")),
    FieldSpec("channel", ("channel", "渠道", "获客渠道", "客户来源", "来源渠道")),
    FieldSpec(
        "acquired_on",
        (
            "acquired_on",
            "acquisition_date",
            "acquired",
            "signup_date",
            "registered_on",
            "获客日期",
            "注册日期",
            "入会日期",
            "开户日期",
            "建档日期",
            "开卡日期",
            "注册时间",
            "入会时间",
        ),
    ),
    FieldSpec("status", ("status", "状态", "客户状态")),
    FieldSpec("churned_on", ("churned_on", "churn_date", "流失日期")),
    FieldSpec("churn_reason", ("churn_reason", "流失原因")),
    FieldSpec("churn_note", ("churn_note", "churn_comment", "流失说明", "流失备注")),
)

PURCHASE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "order_id", ("order_id", "order_no", "order_number", "purchase_id", "订单编号", "订单号")
    ),
    FieldSpec("customer_id", _CUSTOMER_ID, required=True),
    FieldSpec(
        "date",
        ("date", "purchase_date", "purchased_on", "order_date", "购买日期", "下单日期", "日期"),
        required=True,
    ),
    FieldSpec(
        "product", ("product", "product_name", "item", "产品", "产品名称", "商品"), required=True
    ),
    FieldSpec("quantity", ("quantity", "qty", "数量")),
    FieldSpec("revenue", ("revenue", "amount", "sales", "金额", "收入", "销售额"), required=True),
    FieldSpec("cost", ("cost", "成本")),
)

ORDER_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "order_id",
        (
            "order_id",
            "order_no",
            "order_number",
            "invoice",
            "invoice_no",
            "invoiceno",
            "invoice_number",
            "订单编号",
            "订单号",
            "发票号",
        ),
        required=True,
    ),
    FieldSpec("line_id", ("line_id", "line_no", "line_number", "order_item_id", "行号")),
    FieldSpec("customer_id", (*_CUSTOMER_ID, "customerid", "buyer_id", "买家id", "买家会员名")),
    FieldSpec("customer_email", ("customer_email", "buyer_email", "买家邮箱")),
    FieldSpec("customer_phone", ("customer_phone", "buyer_phone", "买家手机号", "买家手机")),
    FieldSpec(
        "date",
        (
            "date",
            "order_date",
            "invoice_date",
            "invoicedate",
            "ordered_on",
            "created_at",
            "下单时间",
            "下单日期",
            "订单创建时间",
            "日期",
        ),
        required=True,
    ),
    FieldSpec(
        "product",
        ("product", "product_name", "description", "item", "商品名称", "产品", "产品名称", "商品"),
    ),
    FieldSpec(
        "product_code", ("product_code", "sku", "stock_code", "stockcode", "商品编码", "货号")
    ),
    FieldSpec("quantity", ("quantity", "qty", "数量", "商品数量")),
    FieldSpec("unit_price", ("unit_price", "unitprice", "price", "单价", "商品单价")),
    FieldSpec("amount", ("amount", "line_amount", "line_total", "revenue", "金额", "实付金额")),
    FieldSpec("cost", ("cost", "成本")),
    FieldSpec("status", ("status", "order_status", "订单状态")),
    FieldSpec("cancels", ("cancels", "original_order", "原订单号")),
)

TOUCHPOINT_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "touchpoint_id", ("touchpoint_id", "contact_id", "interaction_id", "接触点编号", "接触编号")
    ),
    FieldSpec("customer_id", _CUSTOMER_ID, required=True),
    FieldSpec(
        "occurred_at",
        (
            "occurred_at",
            "time",
            "datetime",
            "timestamp",
            "date",
            "时间",
            "发生时间",
            "接触时间",
            "日期",
        ),
        required=True,
    ),
    FieldSpec("channel", ("channel", "渠道")),
    FieldSpec("stage", ("stage", "journey_stage", "环节", "阶段"), required=True),
    FieldSpec("employee_id", ("employee_id", "staff_id", "员工编号", "工号")),
    FieldSpec("employee_name", ("employee_name", "staff_name", "employee", "员工姓名", "员工")),
    FieldSpec("team", ("team", "team_name", "团队", "班组")),
    FieldSpec("note", ("note", "notes", "comment", "remark", "备注", "说明")),
)

_ATTR = re.compile(r"^(?:attr|属性):\s*(?P<name>.+)$")


def _header_key(header: str) -> str:
    text = unicodedata.normalize("NFKC", header).strip().casefold()
    return re.sub(r"[\s\-]+", "_", text)


@dataclass(frozen=True)
class ColumnMap:
    """Field name → file header; attribute name → file header; ignored headers."""

    fields: Mapping[str, str]
    attributes: Mapping[str, str] = field(default_factory=dict)
    unknown: Sequence[str] = ()
    #: headers the mapping says to ignore (no warning)
    ignored: Sequence[str] = ()

    def has(self, name: str) -> bool:
        return name in self.fields


def map_columns(
    file: str,
    header: Sequence[str],
    specs: Sequence[FieldSpec],
    *,
    allow_attributes: bool,
    explicit: Mapping[str, str] | None = None,
) -> ColumnMap:
    """Map ``header`` onto ``specs``; raise InputError naming missing required columns or a
    field given by two columns. ``explicit`` (a mapping file's or preset's ``columns``:
    header → field, ``attr:<name>`` or ``ignore``) is applied before the aliases."""
    by_alias = {_header_key(a): s.name for s in specs for a in (s.name, *s.aliases)}
    known = {s.name for s in specs}
    explicit = explicit or {}
    fields: dict[str, str] = {}
    attributes: dict[str, str] = {}
    unknown: list[str] = []
    ignored: list[str] = []
    claimed = {by_alias.get(_header_key(t.strip()), t) for c, t in explicit.items() if c in header}
    for column in header:
        key = _header_key(column)
        target = explicit.get(column)
        if target is not None:
            target = target.strip()
            match = _ATTR.match(target)
            if target.lower() == "ignore":
                ignored.append(column)
                continue
            if match and allow_attributes:
                attributes[match.group("name").strip()] = column
                continue
            if target not in known:
                raise InputError(
                    _(
                        "{file}: the mapping sends column {column!r} to {field!r}, which is "
                        "not a field of this import; use one of: {fields}.",
                        file=file,
                        column=column,
                        field=target,
                        fields=", ".join(sorted(known)),
                    )
                )
            key = _header_key(target)
        match = _ATTR.match(unicodedata.normalize("NFKC", column).strip())
        if allow_attributes and match and target is None:
            attributes[match.group("name").strip()] = column
        elif key in by_alias:
            name = by_alias[key]
            if target is None and name in claimed:  # the mapping gives this field
                unknown.append(column)
                continue
            if name in fields:
                raise InputError(
                    _(
                        "{file}: columns {a!r} and {b!r} both give the field {field}; "
                        "keep one of them.",
                        file=file,
                        a=fields[name],
                        b=column,
                        field=name,
                    )
                )
            fields[name] = column
        else:
            unknown.append(column)
    missing = [s for s in specs if s.required and s.name not in fields]
    if missing:
        raise InputError(
            _(
                "{file} lacks required columns: {columns}. Found: {found}.",
                file=file,
                columns=", ".join(" / ".join((s.name, *_chinese(s))) for s in missing),
                found=", ".join(header),
            )
        )
    return ColumnMap(fields=fields, attributes=attributes, unknown=unknown, ignored=ignored)


def _chinese(spec: FieldSpec) -> tuple[str, ...]:
    return tuple(a for a in spec.aliases if not a.isascii())[:1]
