"""Row shapes of the dataset export formats (pure functions: one task record in, one JSON-able row out).

A *record* is what export builds per task: ``{"index", "env", "level", "seed", "spec" (JSON text), "prompt",
"gold_response"}``. Every row keeps the spec as a JSON **string** (no pickles, no nested dicts whose shape varies
between rows, no empty dicts), so ``execgym.score(spec_json, response)`` scores it in any process.

Formats:
- ``jsonl`` / ``parquet``: ``id, env, level, seed, prompt, messages, spec, gold_response``.
- ``openrlhf``: ``input`` (chat messages, or the text with ``chat=False``), ``label`` (spec JSON), ``datasource``,
  ``output`` (gold response, for SFT with ``--data.output_key output``). Use ``--data.input_key input
  --data.label_key label``.
- ``verl``: ``data_source``, ``prompt`` (messages), ``ability``, ``reward_model`` = ``{"style": "rule",
  "ground_truth": <spec JSON>}``, ``extra_info`` = ``{"index", "env", "level", "seed", "split", "gold_response"}``.
- ``trl``: ``prompt`` (messages), ``spec`` (spec JSON; reaches reward functions as the ``spec`` kwarg),
  ``completion`` (the gold answer as one assistant message, for SFT in prompt-completion form).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FORMATS = ("jsonl", "parquet", "openrlhf", "verl", "trl")
# storage used when the output path does not say (.jsonl / .parquet)
DEFAULT_STORAGE = {
    "jsonl": "jsonl",
    "parquet": "parquet",
    "openrlhf": "jsonl",
    "verl": "parquet",
    "trl": "jsonl",
}


def messages(prompt: str) -> list[dict[str, str]]:
    """The prompt as chat messages (a single user turn; the prompt carries its own instructions)."""
    return [{"role": "user", "content": prompt}]


def row_id(record: dict[str, Any]) -> str:
    return f"{record['env']}/L{record['level']}/s{record['seed']}"


def native_row(record: dict[str, Any], chat: bool = True) -> dict[str, Any]:
    return {
        "id": row_id(record),
        "env": record["env"],
        "level": record["level"],
        "seed": record["seed"],
        "prompt": record["prompt"],
        "messages": messages(record["prompt"]),
        "spec": record["spec"],
        "gold_response": record["gold_response"],
    }


def openrlhf_row(record: dict[str, Any], chat: bool = True) -> dict[str, Any]:
    return {
        "input": messages(record["prompt"]) if chat else record["prompt"],
        "label": record["spec"],
        "datasource": f"execgym/{record['env']}",
        "output": record["gold_response"],
    }


def verl_row(record: dict[str, Any], chat: bool = True) -> dict[str, Any]:
    return {
        "data_source": f"execgym/{record['env']}",
        "prompt": messages(record["prompt"]),
        "ability": f"code_execution/{record['family']}",
        "reward_model": {"style": "rule", "ground_truth": record["spec"]},
        "extra_info": {
            "index": record["index"],
            "env": record["env"],
            "level": record["level"],
            "seed": record["seed"],
            "split": "train",
            "gold_response": record["gold_response"],
        },
    }


def trl_row(record: dict[str, Any], chat: bool = True) -> dict[str, Any]:
    return {
        "prompt": messages(record["prompt"]) if chat else record["prompt"],
        "spec": record["spec"],
        "completion": (
            [{"role": "assistant", "content": record["gold_response"]}] if chat else record["gold_response"]
        ),
    }


ROW_BUILDERS: dict[str, Callable[[dict[str, Any], bool], dict[str, Any]]] = {
    "jsonl": native_row,
    "parquet": native_row,
    "openrlhf": openrlhf_row,
    "verl": verl_row,
    "trl": trl_row,
}


def spec_and_response_columns(fmt: str) -> tuple[Callable[[dict], str], Callable[[dict], str]]:
    """How to read back (spec JSON, gold response) from a row of ``fmt``: what a scorer needs."""
    if fmt in ("jsonl", "parquet"):
        return (lambda r: r["spec"]), (lambda r: r["gold_response"])
    if fmt == "openrlhf":
        return (lambda r: r["label"]), (lambda r: r["output"])
    if fmt == "verl":
        return (lambda r: r["reward_model"]["ground_truth"]), (lambda r: r["extra_info"]["gold_response"])
    if fmt == "trl":
        return (lambda r: r["spec"]), (
            lambda r: r["completion"][0]["content"] if isinstance(r["completion"], list) else r["completion"]
        )
    raise ValueError(f"unknown format {fmt!r}; choose from {list(FORMATS)}")
