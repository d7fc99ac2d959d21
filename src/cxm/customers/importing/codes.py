"""Code lists as people write them in import files: codes, English and Chinese labels."""

from __future__ import annotations

import unicodedata
from functools import cache

from cxm.customers.codes import (
    ChurnReason,
    CustomerStatus,
    JourneyStage,
    churn_reason_label,
    stage_label,
)
from cxm.i18n import _, language

__all__ = ["StageReader", "code_key", "read_churn_reason", "read_status"]


def code_key(text: str) -> str:
    """How a code is compared: NFKC, case-folded, spaces/hyphens as underscores."""
    out = unicodedata.normalize("NFKC", text).strip().casefold()
    return "_".join(out.replace("-", " ").split())


@cache
def _churn_reasons() -> dict[str, ChurnReason]:
    table: dict[str, ChurnReason] = {}
    for reason in ChurnReason:
        table[code_key(reason.value)] = reason
        for lang in ("en", "zh-CN", "zh-TW"):
            with language(lang):
                table[code_key(churn_reason_label(reason))] = reason
    extra = {
        "去世": ChurnReason.DIED,
        "身故": ChurnReason.DIED,
        "迁居": ChurnReason.MOVED_AWAY,
        "搬家": ChurnReason.MOVED_AWAY,
        "竞争对手": ChurnReason.WON_BY_COMPETITOR,
        "被竞争对手吸引走": ChurnReason.WON_BY_COMPETITOR,
        "competitor": ChurnReason.WON_BY_COMPETITOR,
        "产品不满意": ChurnReason.PRODUCT_DISSATISFACTION,
        "对产品不满意": ChurnReason.PRODUCT_DISSATISFACTION,
        "服务态度冷漠": ChurnReason.STAFF_INDIFFERENCE,
        "员工态度冷漠": ChurnReason.STAFF_INDIFFERENCE,
    }
    table.update({code_key(k): v for k, v in extra.items()})
    return table


@cache
def _stages() -> dict[str, JourneyStage]:
    table: dict[str, JourneyStage] = {}
    for stage in JourneyStage:
        table[code_key(stage.value)] = stage
        for lang in ("en", "zh-CN", "zh-TW"):
            with language(lang):
                table[code_key(stage_label(stage))] = stage
    extra = {
        "销售": JourneyStage.SALE,
        "售后服务": JourneyStage.AFTER_SALE,
        "交货": JourneyStage.DELIVERY,
        "配送": JourneyStage.DELIVERY,
        "咨询": JourneyStage.PRE_SALE,
    }
    table.update({code_key(k): v for k, v in extra.items()})
    return table


_STATUSES: dict[str, CustomerStatus] = {
    code_key(k): v
    for k, v in {
        "active": CustomerStatus.ACTIVE,
        "活跃": CustomerStatus.ACTIVE,
        "正常": CustomerStatus.ACTIVE,
        "在用": CustomerStatus.ACTIVE,
        "有效": CustomerStatus.ACTIVE,
        "churned": CustomerStatus.CHURNED,
        "lost": CustomerStatus.CHURNED,
        "流失": CustomerStatus.CHURNED,
        "已流失": CustomerStatus.CHURNED,
    }.items()
}


def read_churn_reason(text: str) -> ChurnReason:
    """A churn reason from its code or label; ValueError naming the valid codes."""
    found = _churn_reasons().get(code_key(text))
    if found is None:
        raise ValueError(
            _(
                "unknown churn reason; use one of: {codes}",
                codes=", ".join(r.value for r in ChurnReason),
            )
        )
    return found


class StageReader:
    """Reads a stage as people write it against the *active* journey (``cxm journey``):
    its codes and its labels in every language it gives; for the codes it shares with the
    default journey, also the default labels (en, zh-CN, zh-TW) and common Chinese words.
    A stage the active journey lacks is refused, naming the active journey's codes."""

    def __init__(self, codes: list[str], labels: dict[str, dict[str, str]]) -> None:
        self.codes = list(codes)
        table: dict[str, str] = {}
        defaults = _stages()
        for key, stage in defaults.items():  # the default words, where the code is kept
            if stage.value in labels:
                table[key] = stage.value
        for code in self.codes:  # the journey's own labels win over the default words
            for label in labels.get(code, {}).values():
                if label and str(label).strip():
                    table[code_key(str(label))] = code
        for code in self.codes:  # and a code is always itself
            table[code_key(code)] = code
        self.table = table

    def __call__(self, text: str) -> str:
        found = self.table.get(code_key(text))
        if found is None:
            raise ValueError(
                _(
                    "unknown journey stage; use one of: {codes}",
                    codes=", ".join(self.codes),
                )
            )
        return found


def read_status(text: str) -> CustomerStatus:
    found = _STATUSES.get(code_key(text))
    if found is None:
        raise ValueError(
            _(
                "unknown status; use one of: {codes}",
                codes=", ".join(s.value for s in CustomerStatus),
            )
        )
    return found
