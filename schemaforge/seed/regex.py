"""Strings that match a regex check, generated from the pattern itself.

The pattern is parsed with Python's own regex parser (`re._parser`, the `sre_parse` of older
Pythons) into a tree of literals, classes, groups, alternations and repeats, and strings are
drawn from that tree, node by node for a few thousand strings at once with NumPy: a pool per
batch, from which each row picks. A unique column gets a counter instead of a random draw in
repeated classes of the pattern (`[a-z0-9-]+`, `\\d{6}`, or `[0-9]{4}` and `[0-9]{5}` together):
each row's number, scrambled by a bijection, written in those classes' alphabets, so values are
distinct by construction at any row count the pattern can hold.

Patterns are PostgreSQL's (POSIX advanced regular expressions), which for what designs write
(classes, `\\d \\w \\s`, anchors, groups, `| ? * + {m,n}`) read the same in Python. What cannot be
generated (look-arounds, back references, word boundaries) raises RegexUnsupported, which the
seed reports at the check.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from schemaforge.seed.arrays import fixed_width_strings

try:  # Python 3.11+
    from re import _constants as sre_constants, _parser as sre_parse
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

POOL_SIZE = 4096  # distinct draws per batch; rows pick among them
EXTRA_REPEATS = 6  # an open repeat (`+`, `*`, `{2,}`) draws up to this many more than its minimum
PRINTABLE = [chr(c) for c in range(32, 127)]
# What `.` and negated classes draw from: letters and digits they allow (any character would
# do, but `free{` reads worse than `free7`); all printable ASCII where they exclude those.
READABLE = [chr(c) for c in (*range(48, 58), *range(65, 91), *range(97, 123))]
_CATEGORIES = {
    sre_constants.CATEGORY_DIGIT: [chr(c) for c in range(48, 58)],
    sre_constants.CATEGORY_WORD: [chr(c) for c in range(48, 58)] + [chr(c) for c in range(65, 91)]
    + [chr(c) for c in range(97, 123)] + ["_"],
    sre_constants.CATEGORY_SPACE: [" "],
}
_COMPLEMENTS = {
    sre_constants.CATEGORY_NOT_DIGIT: sre_constants.CATEGORY_DIGIT,
    sre_constants.CATEGORY_NOT_WORD: sre_constants.CATEGORY_WORD,
    sre_constants.CATEGORY_NOT_SPACE: sre_constants.CATEGORY_SPACE,
}
_UNSUPPORTED = {
    sre_constants.ASSERT: "a look-ahead or look-behind", sre_constants.ASSERT_NOT: "a negative look-around",
    sre_constants.GROUPREF: "a back reference", sre_constants.GROUPREF_EXISTS: "a conditional group",
}


class RegexUnsupported(ValueError):
    """A pattern whose matching strings cannot be generated (or that does not parse)."""


def _class_chars(items) -> list[str]:
    """The characters of a `[...]` class (or a category), printable ASCII where it is negated."""
    chars: list[str] = []
    negate = False
    for op, arg in items:
        if op == sre_constants.NEGATE:
            negate = True
        elif op == sre_constants.LITERAL:
            chars.append(chr(arg))
        elif op == sre_constants.RANGE:
            low, high = arg
            chars.extend(chr(c) for c in range(low, min(high, low + 0xFFFF) + 1))
        elif op == sre_constants.CATEGORY:
            if arg in _COMPLEMENTS:
                excluded = set(_CATEGORIES[_COMPLEMENTS[arg]])
                chars.extend(c for c in PRINTABLE if c not in excluded)
            else:
                chars.extend(_CATEGORIES.get(arg, []))
        else:
            raise RegexUnsupported(f"the class item {op} cannot be generated")
    if negate:
        excluded = set(chars)
        chars = [c for c in READABLE if c not in excluded] or [c for c in PRINTABLE if c not in excluded]
    unique = sorted(set(chars))
    if not unique:
        raise RegexUnsupported("a character class that matches nothing")
    return unique


def _single_chars(op, arg) -> list[str] | None:
    """The characters one item matches, when it matches exactly one character."""
    if op == sre_constants.LITERAL:
        return [chr(arg)]
    if op == sre_constants.ANY:
        return READABLE
    if op == sre_constants.IN:
        return _class_chars(arg)
    if op == sre_constants.NOT_LITERAL:
        return [c for c in READABLE if c != chr(arg)]
    return None


@dataclass(frozen=True)
class CounterSlot:
    """Where a unique column writes its counter: the top-level repeat at `index`, `width`
    characters of `alphabet`, the last `digits` of them the counter and the rest drawn."""

    index: int
    alphabet: tuple[str, ...]
    width: int
    digits: int


class RegexGenerator:
    def __init__(self, pattern: str):
        self.pattern = pattern
        try:
            self.compiled = re.compile(pattern)
            self.tree = list(sre_parse.parse(pattern))
        except (re.error, RecursionError, OverflowError) as error:
            raise RegexUnsupported(f"the pattern does not parse: {error}") from None
        self._check(self.tree)
        self.nodes = _compile(self.tree)

    def _check(self, items) -> None:
        for op, arg in items:
            if op in _UNSUPPORTED:
                raise RegexUnsupported(f"it uses {_UNSUPPORTED[op]}")
            if op == sre_constants.AT and arg in (sre_constants.AT_BOUNDARY, sre_constants.AT_NON_BOUNDARY):
                raise RegexUnsupported("it uses a word boundary")
            if op == sre_constants.IN:
                _class_chars(arg)
            elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT):
                self._check(arg[2])
            elif op == sre_constants.SUBPATTERN:
                self._check(arg[-1])
            elif op == sre_constants.BRANCH:
                for branch in arg[1]:
                    self._check(branch)
            elif op == sre_constants.ATOMIC_GROUP:
                self._check(arg)

    def pool(self, rng: np.random.Generator, size: int, items=None, max_length: int | None = None) -> list[str]:
        """`size` drawn strings (fewer distinct ones where the pattern allows few), none longer
        than `max_length`."""
        nodes = self.nodes if items is None else _compile(items)
        drawn: list[str] = []
        for _ in range(4):  # draws too long for the column are dropped, and drawn again
            batch = _draw_many(nodes, rng, size).tolist()
            drawn += batch if max_length is None else [text for text in batch if len(text) <= max_length]
            if len(drawn) >= size:
                return drawn[:size]
        if not drawn:
            raise RegexUnsupported(f"no matching string fits in {max_length} characters")
        return drawn

    # -- a column -----------------------------------------------------------------------------
    @cached_property
    def _repeat_slots(self) -> list[tuple[int, tuple[str, ...], int, int]]:
        """Top-level repeats of one character class: (index, alphabet, min, max)."""
        slots = []
        for index, (op, arg) in enumerate(self.tree):
            if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT):
                low, high, body = arg
                if len(body) == 1 and (chars := _single_chars(*body[0])) is not None and len(chars) >= 2:
                    slots.append((index, tuple(chars), low, high))
        return slots

    def counter_slots(self, rows: int) -> list[CounterSlot]:
        """Where `rows` distinct counters go: the one repeat that holds them in the fewest
        characters, else several (`INV-[0-9]{4}-[0-9]{5}`: all nine digits), in pattern order."""
        single = []
        for index, alphabet, low, high in self._repeat_slots:
            digits = _digits_for(rows, len(alphabet))
            if max(low, digits) <= high:
                single.append(CounterSlot(index, alphabet, max(low, digits), digits))
        if single:
            return [min(single, key=lambda slot: slot.width)]
        chosen, capacity = [], 1
        for index, alphabet, low, high in sorted(self._repeat_slots, key=lambda s: -len(s[1]) ** min(s[3], 64)):
            digits = min(high, _digits_for(-(-rows // capacity), len(alphabet)))
            chosen.append(CounterSlot(index, alphabet, max(low, digits), digits))
            capacity *= len(alphabet) ** digits
            if capacity >= rows:
                return sorted(chosen, key=lambda slot: slot.index)
        raise RegexUnsupported(f"the pattern's repeated character classes hold fewer than {rows} distinct values")

    def column(self, rng: np.random.Generator, rows: np.ndarray, total_rows: int, unique: bool,
               max_length: int | None, key: int) -> pa.Array:
        """Values for the global row numbers `rows`: drawn from a pool, or, when unique, a
        counter written in repeated classes of the pattern, with drawn text around them."""
        n = len(rows)
        if not unique:
            pool = pa.array(self.pool(rng, min(POOL_SIZE, max(n, 1)), max_length=max_length), pa.string())
            return pool.take(pa.array(rng.integers(0, len(pool), n)))
        slots = self.counter_slots(total_rows)
        budget = None if max_length is None else max_length - sum(slot.width for slot in slots)
        if budget is not None and budget < 0:
            raise RegexUnsupported(f"{total_rows} distinct values need {sum(s.width for s in slots)} characters, "
                                   f"more than {max_length}")
        bounds = [-1] + [slot.index for slot in slots] + [len(self.tree)]
        segments = [self.tree[a + 1:b] for a, b in zip(bounds, bounds[1:])]
        size = min(POOL_SIZE, max(n, 1))
        # Each stretch of text around the counters gets its shortest length plus an even share
        # of what the budget leaves over.
        shortest = [_shortest(_compile(segment)) for segment in segments]
        spare = None if budget is None else (budget - sum(shortest)) // len(segments)
        if spare is not None and spare < 0:
            raise RegexUnsupported(f"{total_rows} distinct values do not fit in {max_length} characters")
        texts = [pa.array(self.pool(rng, size, segment, None if spare is None else least + spare) if segment else [""],
                          pa.string()) for segment, least in zip(segments, shortest)]
        counters = _counters(rows, slots, key, rng)
        parts = [texts[0].take(pa.array(rng.integers(0, len(texts[0]), n)))]
        for counter, text in zip(counters, texts[1:]):
            parts += [counter, text.take(pa.array(rng.integers(0, len(text), n)))]
        return pc.binary_join_element_wise(*parts, "")


def _digits_for(rows: int, base: int) -> int:
    digits = max(1, math.ceil(math.log(max(rows, 2), base)))
    while base ** digits < rows:
        digits += 1
    return digits


@functools.lru_cache(maxsize=256)
def regex_generator(pattern: str) -> RegexGenerator:
    """The generator of `pattern`, parsed once per process (a column asks for it every batch)."""
    return RegexGenerator(pattern)


def _counters(rows: np.ndarray, slots: list[CounterSlot], key: int, rng: np.random.Generator) -> list[pa.Array]:
    """Each row's number, scrambled by a bijection of [0, capacity), written in mixed radix
    across the slots (the last slot's digits least significant), after each slot's other
    characters drawn at random."""
    capacity = math.prod(len(slot.alphabet) ** slot.digits for slot in slots)
    if capacity < 2**62:
        largest = max(int(rows.max(initial=0)), 1)
        codes = (rows.astype(np.int64) * _coprime(capacity, key, 2**62 // largest) + key % capacity) % capacity
    else:  # a counter wider than int64 (a huge alphabet): the plain row number, still distinct
        codes = rows.astype(np.int64)
    written = []
    for slot in reversed(slots):
        base, width = len(slot.alphabet), slot.width
        digits = np.empty((len(rows), width), dtype=np.int64)
        digits[:, :width - slot.digits] = rng.integers(0, base, (len(rows), width - slot.digits))
        for place in range(width - 1, width - slot.digits - 1, -1):
            digits[:, place] = codes % base
            codes = codes // base
        written.append(_spelled(digits, slot.alphabet))
    return written[::-1]


def _spelled(digits: np.ndarray, alphabet: tuple[str, ...]) -> pa.Array:
    if all(len(c.encode()) == 1 for c in alphabet):
        return fixed_width_strings(np.frombuffer("".join(alphabet).encode(), dtype=np.uint8)[digits])
    return pa.array(["".join(row) for row in np.array(alphabet)[digits]], pa.string())


def _coprime(modulus: int, key: int, limit: int) -> int:
    """A multiplier coprime with `modulus`, near a key-chosen point of [modulus/3, 2*modulus/3]
    (so consecutive rows land far apart), and below `limit` (so row * multiplier fits int64)."""
    candidate = max(2, min(modulus // 3 + key % max(modulus // 3, 1), limit - 1000))
    while math.gcd(candidate, modulus) != 1:
        candidate += 1
    return candidate


# A pattern compiled for drawing: ("chars", alphabet) one character of the alphabet;
# ("repeat", low, top, body) the body low..top times; ("branch", bodies) one of them.
def _compile(items) -> tuple:
    nodes = []
    for op, arg in items:
        chars = _single_chars(op, arg)
        if chars is not None:
            nodes.append(("chars", tuple(chars)))
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT):
            low, high, body = arg
            top = min(high, low + EXTRA_REPEATS) if high != sre_constants.MAXREPEAT else low + EXTRA_REPEATS
            nodes.append(("repeat", low, top, _compile(body)))
        elif op == sre_constants.SUBPATTERN:
            nodes.extend(_compile(arg[-1]))
        elif op == sre_constants.ATOMIC_GROUP:
            nodes.extend(_compile(arg))
        elif op == sre_constants.BRANCH:
            nodes.append(("branch", tuple(_compile(branch) for branch in arg[1])))
        elif op != sre_constants.AT:  # anchors: a drawn string is the whole match
            raise RegexUnsupported(f"the construct {op} cannot be generated")
    return tuple(nodes)


def _draw_many(nodes: tuple, rng: np.random.Generator, size: int) -> np.ndarray:
    """`size` strings drawn at once, node by node with NumPy."""
    result = np.full(size, "", dtype=object)
    for node in nodes:
        if node[0] == "chars":
            alphabet = np.array(node[1], dtype=object)
            result = result + alphabet[rng.integers(0, len(alphabet), size)]
        elif node[0] == "repeat":
            counts = rng.integers(node[1], node[2] + 1, size)
            for place in range(node[2]):
                piece = _draw_many(node[3], rng, size)
                result = result + np.where(counts > place, piece, "")
        else:
            branches = node[1]
            choice = rng.integers(0, len(branches), size)
            pieces = [_draw_many(branch, rng, size) for branch in branches]
            result = result + np.choose(choice, pieces)
    return result


def _shortest(nodes: tuple) -> int:
    """The fewest characters a compiled pattern draws."""
    total = 0
    for node in nodes:
        if node[0] == "chars":
            total += 1
        elif node[0] == "repeat":
            total += node[1] * _shortest(node[3])
        else:
            total += min(_shortest(branch) for branch in node[1])
    return total
