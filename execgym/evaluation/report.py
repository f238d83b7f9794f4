"""Human- and machine-readable reports: the console table, ``summary.json`` and the plot.

``summary.json``: ``{"model": str, "results": [row, ...]}`` with the rows of
:func:`execgym.evaluation.metrics.summarize` (``accuracy`` in 0..1; ``level`` null for benchmarks).
The plot (``accuracy_by_level.png``, matplotlib's Agg backend) has two panels, mean reward and accuracy by
level, with one line per environment (tasks with numeric levels); lines that coincide stay visible (each
series has its own marker and line style and a small horizontal offset). Its data is also written to
``accuracy_by_level.json`` (``series[env] = {"levels", "accuracy", "mean_reward"}``) so tools can check it.
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
    """Environment -> {"levels": [...], "accuracy": [...], "mean_reward": [...]} from rows with a level."""
    series: dict[str, dict[str, list]] = {}
    for r in rows:
        if r.get("level") is None or r.get("accuracy") is None:
            continue
        s = series.setdefault(r["task"], {"levels": [], "accuracy": [], "mean_reward": []})
        s["levels"].append(int(r["level"]))
        s["accuracy"].append(float(r["accuracy"]))
        s["mean_reward"].append(float(r.get("mean_reward") or 0.0))
    for s in series.values():
        triples = sorted(zip(s["levels"], s["accuracy"], s["mean_reward"]))
        s["levels"] = [t[0] for t in triples]
        s["accuracy"] = [t[1] for t in triples]
        s["mean_reward"] = [t[2] for t in triples]
    return series


MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES = ("-", "--", "-.", ":")


def series_offsets(count: int, spread: float = 0.24) -> list[float]:
    """Horizontal offsets (in levels) that keep ``count`` coinciding series apart; centred on 0."""
    if count <= 1:
        return [0.0] * count
    step = spread / (count - 1)
    return [-spread / 2 + i * step for i in range(count)]


def build_figure(series: dict[str, dict[str, list]], title: str) -> Any:
    """A matplotlib Figure (Agg canvas, no pyplot state): mean reward and accuracy by level, side by side."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 4.8), dpi=100)
    FigureCanvasAgg(fig)
    ax_reward, ax_acc = fig.subplots(1, 2)
    offsets = series_offsets(len(series))
    top_reward = max([1.0, *(v for s in series.values() for v in s["mean_reward"])])
    for k, (name, s) in enumerate(series.items()):
        xs = [lv + offsets[k] for lv in s["levels"]]
        style = {"marker": MARKERS[k % len(MARKERS)], "linestyle": LINESTYLES[k % len(LINESTYLES)],
                 "markersize": 6, "linewidth": 1.6, "alpha": 0.9, "label": name}
        ax_reward.plot(xs, s["mean_reward"], **style)
        ax_acc.plot(xs, [100 * a for a in s["accuracy"]], **style)
    ax_reward.set_ylabel("mean reward")
    ax_reward.set_ylim(-0.03 * top_reward, 1.03 * top_reward)
    ax_reward.set_title("mean reward (partial credit counts)")
    ax_acc.set_ylabel("accuracy (% all correct)")
    ax_acc.set_ylim(-3, 103)
    ax_acc.set_title("accuracy")
    levels = sorted({lv for s in series.values() for lv in s["levels"]})
    for ax in (ax_reward, ax_acc):
        ax.set_xlabel("level")
        if levels:
            ax.set_xticks(levels)
        ax.grid(True, alpha=0.3)
    if series:
        ax_reward.legend(loc="best", fontsize="small")
    fig.suptitle(title)
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
    fig = build_figure(series, f"execgym mean reward and accuracy by level: {model_name}")
    path = out_dir / PLOT_NAME
    fig.savefig(path, format="png")
    return path
