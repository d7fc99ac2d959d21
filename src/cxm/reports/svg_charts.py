"""Charts as static SVG, for the PDF (WeasyPrint draws SVG; it runs no JavaScript) and for
the staff page (which works without JavaScript under a strict CSP).

Why our own SVG rather than Plotly's static export: that needs kaleido. Checked on this
machine (kaleido 1.5.0 from PyPI): it installs, and works offline only because it finds a
Chrome — here Debian's /usr/bin/chromium — which it starts for the export (about 8 s for
the first chart). A report must not need a browser installed on the server, nor spend
seconds starting one, so the PDF draws these plain charts itself: axes, bars, lines,
survival steps, markers, error bars and reference lines, from the same chart description
that the HTML draws with Plotly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from itertools import pairwise
from typing import Any

from cxm.reports.model import Chart
from cxm.reports.plotly_charts import PALETTE

__all__ = ["svg_chart"]

W, H = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 34, 64


def _num(v: Any) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=raw)
    start = math.ceil(lo / step) * step
    out, t = [], start
    while t <= hi + 1e-9:
        out.append(round(t, 10))
        t += step
    return out


def _fmt(v: float, percent: bool) -> str:
    if percent:
        return f"{v * 100:.0f}%"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:g}"


def _range(
    values: Sequence[float], given: tuple[float, float] | None, zero: bool
) -> tuple[float, float]:
    if given is not None:
        return given
    vals = [v for v in values if v is not None]
    if not vals:
        return (0.0, 1.0)
    lo, hi = min(vals), max(vals)
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi == lo:
        hi = lo + 1
    pad = (hi - lo) * 0.05
    return (lo if zero and lo == 0 else lo - pad, hi + pad)


def _text(x: float, y: float, s: str, *, anchor: str = "middle", size: int = 10, **kw: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in kw.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{extra}>'
        f"{escape(s)}</text>"
    )


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, *, dash: bool = False) -> str:
    d = ' stroke-dasharray="4 3"' if dash else ""
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}"{d}/>'


def _rect(x: float, y: float, w: float, h: float, fill: str) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}"/>'


def svg_chart(chart: Chart) -> str:
    """An SVG document fragment for ``chart`` (categorical bars or numeric x–y)."""
    horizontal = chart.kind == "hbar"
    left = 170 if horizontal else LEFT
    pw, ph = W - left - RIGHT, H - TOP - BOTTOM
    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="100%" '
        f'font-family="Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif" role="img" '
        f'aria-label="{escape(chart.title)}">',
        _text(W / 2, 18, chart.title, size=13, font_weight="bold"),
    ]
    values: list[float] = []
    for s in chart.series:
        for i, y in enumerate(s.y):
            f = _num(y)
            if f is None:
                continue
            e = _num(s.error[i]) if s.error else None
            values.extend([f - (e or 0), f + (e or 0)])
    values.extend(v for v, _label in chart.hlines)
    vlo, vhi = _range(values, chart.y_range, zero=chart.kind != "xy")

    if chart.kind == "xy":
        xs = [f for s in chart.series for x in s.x if (f := _num(x)) is not None]
        xs.extend(v for v, _label in chart.vlines)
        xlo, xhi = _range(xs, chart.x_range, zero=False)

        def px(v: float) -> float:
            return left + (v - xlo) / (xhi - xlo) * pw

        parts.extend(_text(px(t), TOP + ph + 14, _fmt(t, False)) for t in _ticks(xlo, xhi))
    else:
        cats: list[str] = []
        for s in chart.series:
            for x in s.x:
                if str(x) not in cats:
                    cats.append(str(x))
        n_cat = max(len(cats), 1)
        band = (ph if horizontal else pw) / n_cat

    def pv(v: float) -> float:  # value → pixel along the value axis
        if horizontal:
            return left + (v - vlo) / (vhi - vlo) * pw
        return TOP + ph - (v - vlo) / (vhi - vlo) * ph

    # value grid
    for t in _ticks(vlo, vhi):
        if horizontal:
            parts.append(_line(pv(t), TOP, pv(t), TOP + ph, "#e5e5e5"))
            parts.append(_text(pv(t), TOP + ph + 14, _fmt(t, chart.percent)))
        else:
            parts.append(_line(left, pv(t), left + pw, pv(t), "#e5e5e5"))
            parts.append(_text(left - 6, pv(t) + 3, _fmt(t, chart.percent), anchor="end"))
    parts.append(
        f'<rect x="{left}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>'
    )

    if chart.kind == "xy":
        for si, s in enumerate(chart.series):
            color = PALETTE[si % len(PALETTE)]
            pts = [
                (px(fx), pv(fy))
                for x, y in zip(s.x, s.y, strict=False)
                if (fx := _num(x)) is not None and (fy := _num(y)) is not None
            ]
            if s.mode == "marker":
                labels = s.labels or ("",) * len(pts)
                for (x, y), lab in zip(pts, labels, strict=False):
                    parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{color}"/>')
                    if lab:
                        parts.append(_text(x, y - 7, lab, size=9))
            elif pts:
                path = [f"M{pts[0][0]:.1f},{pts[0][1]:.1f}"]
                for (_x0, y0), (x1, y1) in pairwise(pts):
                    if s.mode == "step":
                        path.append(f"L{x1:.1f},{y0:.1f}")
                    path.append(f"L{x1:.1f},{y1:.1f}")
                parts.append(
                    f'<path d="{" ".join(path)}" fill="none" stroke="{color}" stroke-width="1.8"/>'
                )
        for v, label in chart.vlines:
            parts.append(_line(px(v), TOP, px(v), TOP + ph, "#888", dash=True))
            if label:
                parts.append(_text(px(v) + 3, TOP + 10, label, anchor="start", size=9))
    else:
        bar_series = [s for s in chart.series if s.mode == "bar"]
        n_bar = max(len(bar_series), 1)
        inner = band * 0.8 / n_bar
        for ci, cat in enumerate(cats):
            pos = (TOP if horizontal else left) + ci * band
            label_at = pos + band / 2
            if horizontal:
                parts.append(_text(left - 6, label_at + 3, cat[:28], anchor="end", size=9))
            else:
                parts.append(_text(label_at, TOP + ph + 14, cat[:18], size=9))
        for si, s in enumerate(chart.series):
            color = PALETTE[si % len(PALETTE)]
            bi = bar_series.index(s) if s in bar_series else 0
            line_pts: list[tuple[float, float]] = []
            for x, y, i in zip(s.x, s.y, range(len(s.y)), strict=False):
                fy = _num(y)
                if fy is None:
                    continue
                ci = cats.index(str(x))
                start = (TOP if horizontal else left) + ci * band
                err = _num(s.error[i]) if s.error else None
                if s.mode == "bar":
                    a = start + band * 0.1 + bi * inner
                    mid = a + inner / 2
                    base, tip = pv(max(vlo, 0.0) if vlo < 0 < vhi or vlo >= 0 else vhi), pv(fy)
                    if horizontal:
                        x0, x1 = sorted((base, tip))
                        parts.append(_rect(x0, a, x1 - x0, inner, color))
                    else:
                        y0, y1 = sorted((base, tip))
                        parts.append(_rect(a, y0, inner, y1 - y0, color))
                else:
                    mid = start + band / 2
                    if horizontal:
                        line_pts.append((pv(fy), mid))
                    else:
                        line_pts.append((mid, pv(fy)))
                    cx, cy = line_pts[-1]
                    parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{color}"/>')
                if err:
                    lo, hi = pv(fy - err), pv(fy + err)
                    if horizontal:
                        parts.append(_line(lo, mid, hi, mid, "#333"))
                    else:
                        parts.append(_line(mid, lo, mid, hi, "#333"))
            if s.mode == "line" and len(line_pts) > 1:
                d = " ".join(
                    f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(line_pts)
                )
                parts.append(f'<path d="{d}" fill="none" stroke="{color}" stroke-width="1.8"/>')
    for v, label in chart.hlines:
        if horizontal:
            parts.append(_line(pv(v), TOP, pv(v), TOP + ph, "#888", dash=True))
        else:
            parts.append(_line(left, pv(v), left + pw, pv(v), "#888", dash=True))
            if label:
                parts.append(_text(left + pw - 4, pv(v) - 3, label, anchor="end", size=9))
    # axis titles and legend
    if chart.x_title:
        parts.append(_text(left + pw / 2, H - 30, chart.x_title, size=10))
    if chart.y_title and not horizontal:
        parts.append(
            f'<text x="14" y="{TOP + ph / 2:.1f}" font-size="10" text-anchor="middle" '
            f'transform="rotate(-90 14 {TOP + ph / 2:.1f})">{escape(chart.y_title)}</text>'
        )
    if len(chart.series) > 1:
        lx = left
        for si, s in enumerate(chart.series):
            color = PALETTE[si % len(PALETTE)]
            parts.append(f'<rect x="{lx}" y="{H - 14}" width="10" height="10" fill="{color}"/>')
            parts.append(_text(lx + 14, H - 5, s.name[:30], anchor="start", size=9))
            lx += 24 + 6 * min(len(s.name), 30)
    parts.append("</svg>")
    return "".join(parts)
