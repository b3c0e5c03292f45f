"""Names: what the design accepts, how conventions map them, how long names are shortened."""

from __future__ import annotations

import hashlib
import re

DESIGN_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")  # design, entity, field, type, rule names
PHYSICAL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")  # `table:` and `column:` overrides
NAME_RULE = "must start with a lowercase letter and hold only a-z, 0-9 and _ (at most 63)"
PHYSICAL_RULE = "must start with a letter or _ and hold only letters, digits and _ (at most 63)"


def _words(name: str) -> list[str]:
    return [w for w in name.split("_") if w]


def pluralize(word: str) -> str:
    """English plural of the last word of a snake name: order -> orders, category -> categories."""
    head, _, last = word.rpartition("_")
    if re.search(r"[^aeiou]y$", last):
        last = last[:-1] + "ies"
    elif re.search(r"(s|x|z|ch|sh)$", last):
        last += "es"
    else:
        last += "s"
    return f"{head}_{last}" if head else last


def apply_convention(name: str, convention: str) -> str:
    words = _words(name)
    if convention == "snake_plural":
        return pluralize(name)
    if convention == "pascal":
        return "".join(w.capitalize() for w in words)
    if convention == "camel":
        return words[0] + "".join(w.capitalize() for w in words[1:])
    return name


def shorten(name: str, limit: int | None) -> str:
    """Fit `name` into `limit` characters, deterministically and without collisions.

    Truncating alone would make `fk_order_line_product_warehouse_a` and `..._b` equal; a suffix of
    the full name's hash keeps them apart.
    """
    if limit is None or len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: limit - 9].rstrip('_')}_{digest}"
