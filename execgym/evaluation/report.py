"""Human- and machine-readable reports: the console table, ``summary.json`` and the plot.

``summary.json``: ``{"model": str, "results": [row, ...]}`` with the rows of
:func:`execgym.evaluation.metrics.summarize` (``accuracy`` in 0..1; ``level`` null for benchmarks).
The plot (``accuracy_by_level.png``, matplotlib's Agg backend) has one line per environment (tasks
with numeric levels); its data is also written to ``accuracy_by_level.json`` so tools can check it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PLOT_NAME = "accuracy_by_level.png"
PLOT_DATA_NAME = "accuracy_by_level.json"
SUMMARY_NAME = "summary.json"


def _fmt(value: Any, pct: bool = True) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{100 * value:.1f}" if pct else f"{value:.3f}"
    return str(value)


def format_table(rows: list[dict[str, Any]]) -> str:
    """A fixed-width table: task, level, n, mean reward, accuracy %, format-error %, pass@k %, official %."""
    ks = sorted({int(k) for r in rows for k in (r.get("pass_at_k") or {})})
    header = ["task", "level", "n", "reward", "acc%", "fmt_err%"] + [f"pass@{k}%" for k in ks if k != 1] + ["official%"]
    body = []
    for r in rows:
        line = [str(r["task"]), "-" if r.get("level") is None else str(r["level"]), str(r.get("n", 0)),
                _fmt(r.get("mean_reward"), pct=False), _fmt(r.get("accuracy")), _fmt(r.get("format_error_rate"))]
        line += [_fmt((r.get("pass_at_k") or {}).get(str(k))) for k in ks if k != 1]
        line.append(_fmt(r.get("official_accuracy")))
        body.append(line)
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(header)]
    out = ["  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths)))]
    out.append("  ".join("-" * w for w in widths))
    for b in body:
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(b, widths))))
    return "\n".join(out)


def write_summary(out_dir: str | Path, model_name: str, rows: list[dict[str, Any]], extra: dict | None = None) -> Path:
    path = Path(out_dir) / SUMMARY_NAME
    payload: dict[str, Any] = {"model": model_name, "results": rows}
    if extra:
        payload.update(extra)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def plot_series(rows: list[dict[str, Any]]) -> dict[str, dict[str, list]]:
    """Environment -> {"levels": [...], "accuracy": [...]} from rows with a numeric level."""
    series: dict[str, dict[str, list]] = {}
    for r in rows:
        if r.get("level") is None or r.get("accuracy") is None:
            continue
        s = series.setdefault(r["task"], {"levels": [], "accuracy": []})
        s["levels"].append(int(r["level"]))
        s["accuracy"].append(float(r["accuracy"]))
    for s in series.values():
        pairs = sorted(zip(s["levels"], s["accuracy"]))
        s["levels"] = [p[0] for p in pairs]
        s["accuracy"] = [p[1] for p in pairs]
    return series


def build_figure(series: dict[str, dict[str, list]], title: str) -> Any:
    """A matplotlib Figure (Agg canvas, no pyplot state) with one line per environment."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    for name, s in series.items():
        ax.plot(s["levels"], [100 * a for a in s["accuracy"]], marker="o", label=name)
    ax.set_xlabel("level")
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(-2, 102)
    levels = sorted({lv for s in series.values() for lv in s["levels"]})
    if levels:
        ax.set_xticks(levels)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    if series:
        ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    return fig


def write_plot(out_dir: str | Path, model_name: str, rows: list[dict[str, Any]]) -> Path | None:
    """Write the PNG and its JSON sidecar; returns the PNG path (None when no row has a level)."""
    series = plot_series(rows)
    if not series:
        return None
    out_dir = Path(out_dir)
    (out_dir / PLOT_DATA_NAME).write_text(
        json.dumps({"model": model_name, "series": series}, indent=2) + "\n", encoding="utf-8")
    fig = build_figure(series, f"execgym accuracy by level: {model_name}")
    path = out_dir / PLOT_NAME
    fig.savefig(path, format="png")
    return path
