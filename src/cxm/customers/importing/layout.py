"""Rows of a report's layout that are not data: the totals row under a table (合计, Total)
and the notes at its foot (备注：…, 制表人：…, 数据来源：…). Reports, ERP exports and
spreadsheets people keep by hand have them; an import skips them and says so (the title
above a table is found with :func:`cxm.files.chunks.find_header`).

Both are recognised by the first cell of the row: a totals row by one hash lookup per row
(a Python call per row would cost ~0.4 s per million); a note needs a label and a colon in
its first cell and every other cell of the row empty, so a customer whose id happens to
hold a colon (VIP:7) is never taken for one.
"""

from __future__ import annotations

import pandas as pd

from cxm.i18n import _

__all__ = ["FOOTER_LABELS", "TOTAL_LABELS", "layout_rows"]

#: What the first cell of a totals row says (any case, a colon after, spaces around; a
#: space or a full-width one between two Chinese characters: 合　计).
TOTAL_LABELS = ("合计", "总计", "小计", "共计", "合計", "總計", "小計", "Total", "Totals",
                "Grand total", "Subtotal", "Sum")  # fmt: skip

#: What a note at the foot of a table starts with, before its colon.
FOOTER_LABELS = ("备注", "说明", "注", "注意", "数据来源", "来源", "制表", "制表人", "制表日期",
                 "制表时间", "导出时间", "导出日期", "导出人", "打印时间", "打印日期", "打印人",
                 "审核", "审核人", "经办人", "统计时间", "统计日期", "Note", "Notes", "Source",
                 "Printed", "Exported", "Prepared by")  # fmt: skip

_COLONS = ("", ":", "：", " :", " ：")


def _forms(label: str) -> set[str]:
    forms = {label, label.lower(), label.upper(), label.title()}
    if len(label) == 2 and not label.isascii():
        forms |= {f"{label[0]}{gap}{label[1]}" for gap in (" ", "\u3000", "  ")}
    return forms


def _total_cells() -> frozenset[str]:
    cells: set[str] = set()
    for label in TOTAL_LABELS:
        for form in _forms(label):
            for colon in _COLONS:
                cells |= {form + colon, f" {form}{colon}", f"{form}{colon} "}
    return frozenset(cells)


_TOTAL_CELLS = _total_cells()
_FOOTER_HEADS = frozenset(form.casefold() for label in FOOTER_LABELS for form in _forms(label))


def _is_note(cell: object) -> bool:
    text = str(cell).strip()
    for colon in (":", "："):
        head, found, _rest = text.partition(colon)
        if found and head.strip().casefold() in _FOOTER_HEADS:
            return True
    return False


def layout_rows(frame: pd.DataFrame) -> list[tuple[str, pd.Series]]:
    """The rows of ``frame`` (text cells, in the file's column order) that are a totals
    row or a note under the table, each kind with the reason a warning gives."""
    if not frame.shape[1]:
        return []
    first = frame.iloc[:, 0]
    found: list[tuple[str, pd.Series]] = []
    totals = first.isin(_TOTAL_CELLS)
    if totals.any():
        for label in first[totals].unique().tolist():
            reason = _("a totals row ({value})", value=str(label).strip())
            found.append((reason, first == label))
    # A note: a label and a colon in the first cell, every other cell empty. The second
    # column, then the colon, narrow the rows looked at before the rest of each row is.
    alone = frame.iloc[:, 1] == "" if frame.shape[1] > 1 else pd.Series(True, index=frame.index)
    candidates = first[alone & ~totals]
    candidates = candidates[candidates.str.contains("[:：]", regex=True)]
    if len(candidates):
        candidates = candidates[[_is_note(c) for c in candidates.tolist()]]
    if len(candidates):
        rest = frame.loc[candidates.index].iloc[:, 2:]
        empty = (rest == "").all(axis=1) if rest.shape[1] else pd.Series(True, index=rest.index)
        notes = pd.Series(first.index.isin(empty.index[empty.to_numpy()]), index=first.index)
        if notes.any():
            found.append((_("a note under the table"), notes))
    return found
