"""Hashed seed derivation: the only way execgym turns seeds into random streams.

Contract: ``derive_seed(*parts)`` maps any tuple of str/int/float/bool/None parts to a 64-bit integer
that is identical in every process, on every machine and under every ``PYTHONHASHSEED`` (it hashes a
canonical text form with BLAKE2b; it never uses ``hash()``, never ``seed + i``, never global random
state). ``rng(*parts)`` returns a fresh ``random.Random`` seeded that way.
"""

from __future__ import annotations

import hashlib
import random
from typing import Union

_Part = Union[str, int, float, bool, None]


def _canonical(part: _Part) -> str:
    if isinstance(part, bool) or part is None:
        return f"{type(part).__name__}:{part}"
    if isinstance(part, int):
        return f"int:{part}"
    if isinstance(part, float):
        return f"float:{part.hex()}"
    if isinstance(part, str):
        return f"str:{len(part)}:{part}"
    raise TypeError(f"seed parts must be str, int, float, bool or None, not {type(part).__name__}")


def derive_seed(*parts: _Part) -> int:
    """Return a 64-bit seed that depends only on ``parts`` (order-sensitive)."""
    text = "\x1f".join(_canonical(p) for p in parts)
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8, person=b"execgym-seed").digest()
    return int.from_bytes(digest, "big")


def rng(*parts: _Part) -> random.Random:
    """A private ``random.Random`` seeded with ``derive_seed(*parts)``."""
    return random.Random(derive_seed(*parts))
