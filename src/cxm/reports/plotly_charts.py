"""Charts as Plotly figure dicts (drawn in the browser by the inlined plotly.js)."""

from __future__ import annotations

from typing import Any

from cxm.reports.model import Chart, Series

__all__ = ["PALETTE", "plotly_figure"]

PALETTE = ("#1f5f99", "#d9822b", "#2e8b57", "#b03a48", "#6c5b7b", "#7f8c8d", "#c9a227")


def _trace(chart: Chart, s: Series, color: str) -> dict[str, Any]:
    trace: dict[str, Any] = {"name": s.name, "marker": {"color": color}}
    xs, ys = list(s.x), list(s.y)
    if chart.kind == "hbar":
        trace.update(type="bar", orientation="h", x=ys, y=xs)
    elif chart.kind == "bar" and s.mode == "bar":
        trace.update(type="bar", x=xs, y=ys)
    else:
        trace.update(type="scatter", x=xs, y=ys)
        if s.mode == "marker":
            trace.update(mode="markers+text" if s.labels else "markers")
            trace["marker"]["size"] = 10
        else:
            trace.update(mode="lines+markers" if chart.kind == "bar" else "lines")
            trace["line"] = {"color": color, "shape": "hv" if s.mode == "step" else "linear"}
    if s.labels:
        trace["text"] = list(s.labels)
        trace["textposition"] = "top center"
    if s.error is not None:
        errs = [0 if e is None else e for e in s.error]
        key = "error_x" if chart.kind == "hbar" else "error_y"
        trace[key] = {"type": "data", "array": errs, "visible": True, "color": "#444"}
    return trace


def plotly_figure(chart: Chart) -> dict[str, Any]:
    """The Plotly ``{"data", "layout"}`` for ``chart``."""
    data = [_trace(chart, s, PALETTE[i % len(PALETTE)]) for i, s in enumerate(chart.series)]
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for value, label in chart.hlines:
        shapes.append(
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": value,
                "y1": value,
                "line": {"dash": "dash", "color": "#888", "width": 1},
            }
        )
        if label:
            annotations.append(
                {
                    "xref": "paper",
                    "x": 1,
                    "y": value,
                    "text": label,
                    "showarrow": False,
                    "xanchor": "right",
                    "yanchor": "bottom",
                    "font": {"size": 10},
                }
            )
    for value, label in chart.vlines:
        shapes.append(
            {
                "type": "line",
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "x0": value,
                "x1": value,
                "line": {"dash": "dash", "color": "#888", "width": 1},
            }
        )
        if label:
            annotations.append(
                {
                    "yref": "paper",
                    "y": 1,
                    "x": value,
                    "text": label,
                    "showarrow": False,
                    "xanchor": "left",
                    "yanchor": "top",
                    "font": {"size": 10},
                }
            )
    value_axis: dict[str, Any] = {"title": {"text": chart.y_title}, "zeroline": False}
    if chart.percent:
        value_axis["tickformat"] = ".0%"
    cat_axis: dict[str, Any] = {"title": {"text": chart.x_title}}
    if chart.kind != "xy":  # "4" and "5" are answer categories, not numbers on a line
        cat_axis["type"] = "category"
    if chart.kind == "hbar":
        xaxis, yaxis = value_axis, {**cat_axis, "autorange": "reversed", "automargin": True}
        xaxis["title"] = {"text": chart.y_title}
        yaxis["title"] = {"text": chart.x_title}
    else:
        xaxis, yaxis = cat_axis, value_axis
    if chart.y_range is not None:
        (xaxis if chart.kind == "hbar" else yaxis)["range"] = list(chart.y_range)
    if chart.x_range is not None and chart.kind == "xy":
        xaxis["range"] = list(chart.x_range)
    layout = {
        "title": {"text": chart.title, "font": {"size": 14}},
        "barmode": "group",
        "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
        "height": 340,
        "legend": {"orientation": "h", "y": -0.2},
        "xaxis": xaxis,
        "yaxis": yaxis,
        "shapes": shapes,
        "annotations": annotations,
        "font": {"family": "Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
    }
    return {"data": data, "layout": layout}
