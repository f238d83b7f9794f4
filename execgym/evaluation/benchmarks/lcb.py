"""LiveCodeBench, code-execution scenario (HF ``livecodebench/execution-v2``, split ``test``).

Records: ``code``, ``input`` (a complete call such as ``maxSum(nums = [1, 2])``), ``output`` (a
literal), plus ``question_id``/``id``/``function_name``/``difficulty``... (kept in the spec).

Strict scoring as for CRUXEval-O (the call must be the record's call; a literal answer, compared
type-strictly). Official scoring as ``compute_code_execution_metrics.evaluate_score``: extraction as
``extract_execution_code`` (right of ``==``; cut at the end of the answer block, else the first line),
generations that contain the input call are dropped, then ``BASE_IMPORTS + code + assert output ==
generation`` runs in the sandbox (3 s). Deviation, documented: ``import numpy as np`` / ``import
pandas as pd`` from BASE_IMPORTS are included only when the code or the generation mentions
``np.``/``pd.`` (and guarded), so a sandbox without numpy still scores the rest.
"""

from __future__ import annotations

from functools import partial

from execgym.evaluation.benchmarks.common import (
    block_or_text,
    load_rows,
    require_fields,
    result,
    sandbox_passes,
)
from execgym.evaluation.benchmarks.cruxeval import output_prompt, strict_output
from execgym.evaluation.items import BenchItem

BASE_IMPORTS = """from itertools import accumulate, chain, combinations, count, permutations, product, groupby, islice, repeat
from copy import deepcopy
from string import ascii_lowercase
from math import floor, log2, log10, sqrt, comb, gcd, ceil, inf, isqrt
from collections import defaultdict, deque, Counter
from bisect import bisect, bisect_left, bisect_right, insort
from heapq import heappush, heappop, heapify, merge
from functools import reduce, cache, lru_cache
from random import randrange, shuffle
from operator import itemgetter, sub
from re import search as re_search  # Assuming 're' refers to a regex search
from os.path import commonprefix
from typing import List, Tuple, Dict, Set, Optional, Union, Any, Callable, Iterable, Iterator, Generator
import copy
import string
import math
import collections
import bisect
import heapq
import functools
import random
import itertools
import operator
import re
from math import log, prod  # 'log' and 'prod' are functions in the math module
from collections import deque, defaultdict, Counter, OrderedDict
from itertools import accumulate, permutations, combinations, product, groupby, islice, chain, repeat, zip_longest, cycle
from functools import lru_cache, reduce, partial
from operator import iand
import sys
"""

HEAVY_IMPORTS = """try:
    import numpy as np
except ImportError:
    pass
try:
    import pandas as pd
except ImportError:
    pass
"""


def official_generation(response: str) -> str:
    """``extract_execution_code`` with our answer block standing in for [ANSWER] ... [/ANSWER]."""
    text, had_block = block_or_text(response)
    if "==" in text:
        text = text.split("==")[1].strip()
    if not had_block:
        text = text.split("\n")[0].strip()
    return text.strip()


def score(record: dict, response: str) -> dict:
    code, call, output = record["code"], record["input"], record["output"]
    correct, outcome, reason = strict_output(response, code, call, output)
    generation = official_generation(response)
    if call in generation:
        official, official_reason = None, "dropped by the official skip rule (the answer contains the input call)"
    else:
        imports = BASE_IMPORTS
        if any(t in code or t in generation for t in ("np.", "pd.")):
            imports += HEAVY_IMPORTS
        official, official_reason = sandbox_passes(f"{imports}\n{code}\nassert {output} == {generation}")
    return result(correct, reason, official=official, outcome=outcome,
                  details={"official_generation": generation[:500], "official_reason": official_reason})


class LCBExecution:
    name = "lcb-exec"

    def __init__(self, path: str):
        self.rows = load_rows(path)
        require_fields(self.rows, ("code", "input", "output"), "LiveCodeBench execution")
        self.skipped = 0

    def items(self) -> list[BenchItem]:
        out = []
        for i, row in enumerate(self.rows):
            rid = str(row.get("id") or row.get("question_id") or i)
            record = {k: (v if isinstance(v, (str, int, float, bool, type(None))) else str(v)) for k, v in row.items()}
            record["id"] = rid
            prompt = output_prompt(row["code"], row["input"])
            spec = {"benchmark": self.name, **record}
            out.append(BenchItem(self.name, rid, prompt, spec, partial(score, record)))
        return out

    def extra_rows(self, records: list[dict]) -> list[dict]:
        return []
