"""``UnicodeText``: a Gymnasium space holding any Unicode string (prompts, model responses).

Why not ``gymnasium.spaces.Text``: a charset covering Unicode costs seconds and hundreds of MiB to build and to
pickle, an ASCII charset rejects legitimate answers (curly quotes, emoji in string literals), its default
``min_length=1`` rejects the empty response, and ``AsyncVectorEnv`` with shared memory silently returns garbage for
``Text`` observations (it decodes the buffer once, at construction).

Contract:
- ``contains(x)`` is ``isinstance(x, str) and len(x) <= max_length``: O(1), any code point allowed.
- ``sample()`` returns a short printable-ASCII string (length 0..``sample_max_length``) drawn only from the space's
  own ``np_random``, so it is deterministic after ``seed(s)``.
- Vector envs: batching gives a ``Tuple`` of ``UnicodeText`` (observations come back as a tuple of ``str``).
  Shared memory is refused loudly (``CustomSpaceError`` telling you to pass
  ``vector_kwargs={"shared_memory": False}``) instead of returning stale or corrupted text.
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np
from gymnasium.error import CustomSpaceError
from gymnasium.spaces import Space
from gymnasium.vector.utils import create_empty_array, create_shared_memory

_SAMPLE_ALPHABET = np.array(list(string.ascii_letters + string.digits + string.punctuation + " \n"))

SHARED_MEMORY_MESSAGE = (
    "execgym observations and actions are free-form text (UnicodeText); Gymnasium's shared-memory transport "
    "only carries fixed-size arrays and would return stale or corrupted text. Create the async vector env with "
    "shared memory off: gym.make_vec(id, num_envs=N, vectorization_mode='async', "
    "vector_kwargs={'shared_memory': False}), or use vectorization_mode='sync'."
)


class UnicodeText(Space[str]):
    """Any Unicode string of at most ``max_length`` code points (the empty string included)."""

    def __init__(self, max_length: int = 1 << 20, *, sample_max_length: int = 64, seed: Any = None) -> None:
        if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 0:
            raise ValueError(f"max_length must be a non-negative int, got {max_length!r}")
        self.max_length = max_length
        self.sample_max_length = max(0, min(sample_max_length, max_length))
        super().__init__(shape=None, dtype=None, seed=seed)

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and len(x) <= self.max_length

    def sample(self, mask: Any | None = None, probability: Any | None = None) -> str:
        """A random short printable string (masks are not supported and must be None)."""
        if mask is not None or probability is not None:
            raise ValueError("UnicodeText.sample does not support mask or probability")
        length = int(self.np_random.integers(0, self.sample_max_length + 1))
        picks = self.np_random.integers(0, len(_SAMPLE_ALPHABET), size=length)
        return "".join(_SAMPLE_ALPHABET[picks].tolist())

    def to_jsonable(self, sample_n: Any) -> list[str]:
        return list(sample_n)

    def from_jsonable(self, sample_n: list[Any]) -> list[str]:
        return [str(x) for x in sample_n]

    def __repr__(self) -> str:
        return f"UnicodeText(max_length={self.max_length})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnicodeText) and other.max_length == self.max_length


@create_empty_array.register(UnicodeText)
def _empty_unicode_batch(space: UnicodeText, n: int = 1, fn: Any = None) -> tuple[str, ...]:
    return tuple("" for _ in range(n))


@create_shared_memory.register(UnicodeText)
def _refuse_shared_memory(space: UnicodeText, n: int = 1, ctx: Any = None) -> Any:
    raise CustomSpaceError(SHARED_MEMORY_MESSAGE)
