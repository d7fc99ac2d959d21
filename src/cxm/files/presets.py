"""Built-in mappings for exports people really have (``--preset NAME``).

Each preset names where its layout comes from; a header fixture copied from that layout is
kept under ``tests/data/presets/`` and a test imports a file built on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxm.errors import InputError
from cxm.files.mapping import FileMapping, Join
from cxm.i18n import _

__all__ = ["PRESETS", "Preset", "get_preset", "preset_names"]


@dataclass(frozen=True)
class Preset:
    name: str
    #: what it imports: ``orders`` or ``responses``
    kind: str
    title: str
    source: str
    mapping: FileMapping


def _m(name: str, **kwargs: object) -> FileMapping:
    return FileMapping(name=f"preset {name}", **kwargs)  # type: ignore[arg-type]


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "uci-online-retail",
            "orders",
            "UCI Online Retail (InvoiceNo, StockCode, … CustomerID, Country)",
            "UCI Machine Learning Repository, dataset 352 'Online Retail' (Chen, 2012), "
            "Online Retail.xlsx saved as CSV",
            _m(
                "uci-online-retail",
                columns={
                    "InvoiceNo": "order_id",
                    "StockCode": "product_code",
                    "Description": "product",
                    "Quantity": "quantity",
                    "InvoiceDate": "date",
                    "UnitPrice": "unit_price",
                    "CustomerID": "customer_id",
                    "Country": "ignore",
                },
                date_format="MDY",
                cancel_prefix="C",
                skip_without=("customer_id",),
            ),
        ),
        Preset(
            "shopify",
            "orders",
            "Shopify orders export (Admin > Orders > Export), one row per line item",
            "Shopify Help Center, 'Exporting orders' (CSV structure), printed 2024-09-12",
            _m(
                "shopify",
                columns={
                    "Name": "order_id",
                    "Email": "customer_email",
                    "Created at": "date",
                    "Lineitem quantity": "quantity",
                    "Lineitem name": "product",
                    "Lineitem price": "unit_price",
                    "Lineitem sku": "product_code",
                    "Financial Status": "status",
                },
                customer_key="email",
                skip={"status": ("voided", "refunded")},
            ),
        ),
        Preset(
            "tmall",
            "orders",
            "Tmall / Taobao seller order report (订单报表), one row per order",
            "Taobao seller centre 订单报表 columns as reproduced by the Hishop/Hidistro "
            "order export (public GitHub source), read 2026-12-06",
            _m(
                "tmall",
                columns={
                    "订单编号": "order_id",
                    "买家会员名": "customer_id",
                    "买家实际支付金额": "amount",
                    "订单状态": "status",
                    "订单创建时间": "date",
                    "宝贝标题": "product",
                    "宝贝总数量": "quantity",
                },
                skip={"status": ("交易关闭", "等待买家付款")},
            ),
        ),
        Preset(
            "youzan",
            "orders",
            "Youzan (有赞) order export, one row per order item",
            "Youzan merchant back office 订单导出 (商品维度); layout written from the field "
            "names of the Youzan order API, NOT verified against a downloaded file",
            _m(
                "youzan",
                columns={
                    "订单号": "order_id",
                    "买家手机号": "customer_phone",
                    "下单时间": "date",
                    "商品名称": "product",
                    "商品编码": "product_code",
                    "商品数量": "quantity",
                    "商品单价": "unit_price",
                    "商品实际成交金额": "amount",
                    "订单状态": "status",
                },
                customer_key="phone",
                skip={"status": ("已关闭", "待付款")},
            ),
        ),
        Preset(
            "olist",
            "orders",
            "Olist Brazilian e-commerce: olist_order_items_dataset.csv, with the customer "
            "and date of each order read from olist_orders_dataset.csv beside it",
            "Kaggle dataset olistbr/brazilian-ecommerce (Olist, 2018), files "
            "olist_order_items_dataset.csv and olist_orders_dataset.csv",
            _m(
                "olist",
                columns={
                    "order_id": "order_id",
                    "order_item_id": "line_id",
                    "product_id": "product",
                    "price": "unit_price",
                    "seller_id": "ignore",
                    "shipping_limit_date": "ignore",
                    "freight_value": "ignore",
                },
                join=Join(
                    "olist_orders_dataset.csv",
                    "order_id",
                    {
                        "customer_id": "customer_id",
                        "order_purchase_timestamp": "date",
                        "order_status": "status",
                    },
                ),
                skip={"status": ("canceled", "unavailable")},
            ),
        ),
        Preset(
            "qualtrics",
            "responses",
            "Qualtrics CSV export (three header rows: names, question texts, ImportIds)",
            "Qualtrics support, 'Understanding your dataset' (CSV with choice values)",
            _m("qualtrics", header_rows=3),
        ),
        Preset(
            "qualtrics-legacy",
            "responses",
            "Legacy Qualtrics CSV export (V1…V10 response columns, three header rows)",
            "Qualtrics legacy exporter layout as read by qualtRics::read_survey(legacy = TRUE)",
            _m(
                "qualtrics-legacy",
                header_rows=3,
                columns={
                    "V1": "response_id",
                    "V2": "ignore",
                    "V3": "ignore",
                    "V4": "customer_external_id",
                    "V5": "ignore",
                    "V6": "ignore",
                    "V7": "ignore",
                    "V8": "started_at",
                    "V9": "completed_at",
                    "V10": "finished",
                },
            ),
        ),
        Preset(
            "limesurvey",
            "responses",
            "LimeSurvey 'Export responses' CSV, question codes as headers (SAT[SQ001] arrays)",
            "LimeSurvey manual, 'Exporting results' (CSV, question code headings)",
            _m("limesurvey", header_rows=1),
        ),
        Preset(
            "spss",
            "responses",
            "SPSS .sav: value labels matched to the questionnaire's choices by text",
            "IBM SPSS Statistics .sav as written by pyreadstat / SPSS 'Save as'",
            _m("spss", header_rows=1),
        ),
    )
}


def preset_names(kind: str | None = None) -> list[str]:
    return sorted(n for n, p in PRESETS.items() if kind is None or p.kind == kind)


def get_preset(name: str, *, kind: str) -> Preset:
    """The preset ``name`` for imports of ``kind``; InputError listing the names."""
    key = name.strip().lower().replace("_", "-")
    if key == "taobao":
        key = "tmall"
    preset = PRESETS.get(key)
    if preset is None or preset.kind != kind:
        raise InputError(
            _(
                "Unknown preset {name!r} for {kind}; use one of: {names}.",
                name=name,
                kind=kind,
                names=", ".join(preset_names(kind)),
            )
        )
    return preset
