"""The PLS path model drawn as SVG: constructs as nodes (R² inside), arrows with path
coefficients. Columns follow the causal order: exogenous constructs on the left."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

__all__ = ["path_diagram_svg"]

NODE_W, NODE_H = 150, 54
COL_GAP, ROW_GAP = 110, 50

#: (column, row) of the constructs of the national index models (ACSI, ECSI, CCSI), laid
#: out as they are usually drawn: antecedents left, satisfaction centre, outcomes right.
PRESET: dict[str, tuple[int, int]] = {
    "image": (0, 0),
    "expectation": (0, 1),
    "quality": (0, 2),
    "value": (1, 2),
    "satisfaction": (1, 1),
    "complaints": (2, 2),
    "loyalty": (2, 1),
}


def _depths(names: Sequence[str], paths: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    depth = dict.fromkeys(names, 0)
    for _ in range(len(names)):  # longest-path layering; the model has no cycles
        changed = False
        for p in paths:
            want = depth[p["from"]] + 1
            if depth[p["to"]] < want:
                depth[p["to"]] = want
                changed = True
        if not changed:
            break
    return depth


def path_diagram_svg(
    paths: Sequence[Mapping[str, Any]],
    r2: Mapping[str, float | None],
    *,
    labels: Mapping[str, str] | None = None,
    r2_label: str = "R²",
) -> str:
    """SVG of a structural model. ``paths``: dicts with ``from``, ``to``, ``estimate`` and
    optionally ``p``; ``r2``: R² per endogenous construct."""
    names: list[str] = []
    for p in paths:
        for n in (p["from"], p["to"]):
            if n not in names:
                names.append(n)
    for n in r2:
        if n not in names:
            names.append(n)
    grid: dict[str, tuple[int, int]] = {}
    if all(n.lower() in PRESET for n in names):
        grid = {n: PRESET[n.lower()] for n in names}
    else:
        depth = _depths(names, paths)
        for n in names:
            grid[n] = (depth[n], sum(1 for m in grid if grid[m][0] == depth[n]))
    n_cols = max((c for c, _r in grid.values()), default=0) + 1
    n_rows = max((r for _c, r in grid.values()), default=0) + 1
    width = n_cols * NODE_W + (n_cols - 1) * COL_GAP + 40
    height = n_rows * NODE_H + (n_rows - 1) * ROW_GAP + 40
    pos = {
        n: (20 + c * (NODE_W + COL_GAP) + NODE_W / 2, 20 + r * (NODE_H + ROW_GAP) + NODE_H / 2)
        for n, (c, r) in grid.items()
    }

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="100%" class="pls-diagram" role="img" '
        f'font-family="Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="10" '
        'markerHeight="10" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#444"/>'
        "</marker></defs>",
    ]
    # The accessible name: each path in words ("A → B 0.523"), for screen readers.
    shown_name = {n: (labels or {}).get(n, n) for n in names}
    summary = "; ".join(
        f"{shown_name[p['from']]} → {shown_name[p['to']]}"
        + (f" {p['estimate']:.3f}" if p.get("estimate") is not None else "")
        for p in paths
    )
    out.insert(1, f"<title>{escape(summary)}</title>")

    def edge_point(cx: float, cy: float, tx: float, ty: float) -> tuple[float, float]:
        # where the line from the centre towards (tx, ty) leaves the ellipse
        a, b = NODE_W / 2, NODE_H / 2
        dx, dy = tx - cx, ty - cy
        if dx == 0 and dy == 0:
            return cx, cy
        t = 1 / math.sqrt((dx / a) ** 2 + (dy / b) ** 2)
        return cx + dx * t, cy + dy * t

    for p in paths:
        (x0, y0), (x1, y1) = pos[p["from"]], pos[p["to"]]
        sx, sy = edge_point(x0, y0, x1, y1)
        ex, ey = edge_point(x1, y1, x0, y0)
        est = p.get("estimate")
        sig = p.get("p")
        weight = 1 + 3 * min(abs(est or 0.0), 1.0)
        dashed = ' stroke-dasharray="5 4"' if sig is not None and sig >= 0.05 else ""
        out.append(
            f'<line x1="{sx:.1f}" y1="{sy:.1f}" x2="{ex:.1f}" y2="{ey:.1f}" stroke="#444" '
            f'stroke-width="{weight:.1f}" marker-end="url(#arrow)"{dashed}/>'
        )
        if est is not None:
            star = "" if sig is None else ("*" if sig < 0.05 else "")
            # 40 % along: labels of crossing arrows do not land on the same spot
            mx, my = sx + 0.4 * (ex - sx), sy + 0.4 * (ey - sy)
            out.append(
                f'<rect x="{mx - 22:.1f}" y="{my - 9:.1f}" width="44" height="16" rx="3" '
                f'fill="white" opacity="0.9"/>'
                f'<text x="{mx:.1f}" y="{my + 3:.1f}" font-size="11" text-anchor="middle" '
                f'class="path-coef">{est:.3f}{star}</text>'
            )
    for n in names:
        x, y = pos[n]
        value = r2.get(n)
        shown = escape((labels or {}).get(n, n))
        out.append(
            f'<ellipse cx="{x:.1f}" cy="{y:.1f}" rx="{NODE_W / 2}" ry="{NODE_H / 2}" '
            f'fill="#eaf2fb" stroke="#1f5f99" stroke-width="1.5"/>'
            f'<text x="{x:.1f}" y="{y - (3 if value is not None else -4):.1f}" font-size="12" '
            f'text-anchor="middle" font-weight="bold">{shown}</text>'
        )
        if value is not None:
            out.append(
                f'<text x="{x:.1f}" y="{y + 14:.1f}" font-size="11" text-anchor="middle" '
                f'class="r2">{escape(r2_label)} = {value:.3f}</text>'
            )
    out.append("</svg>")
    return "".join(out)
