"""What a column's name says about its values, so that seed data looks like the domain.

A team reading its seed should recognise it: a `price` is money, a `quantity` small and
positive, a `discount` a fraction, `duration_ms` milliseconds, `is_active` stored as an integer
0 or 1, a `year` recent, a `city` one of hundreds of real cities. The name only sets the default
range or vocabulary: the design's checks and the seed section narrow it further, as always.
Names are matched token by token (`unit_price` has the tokens `unit` and `price`).
"""

from __future__ import annotations

import re

# (tokens or suffix pattern, (low, high)) for numbers; the first that matches wins.
_NUMERIC: tuple[tuple[str, tuple[float, float]], ...] = (
    (r"(^|_)(is|has|can|should|was)_|_flag$|^flag$|^(active|enabled|deleted|verified|archived)$", (0, 1)),
    (r"(^|_)(lat|latitude)$", (-90, 90)),
    (r"(^|_)(lng|lon|long|longitude)$", (-180, 180)),
    (r"(^|_)(percent|percentage|pct)($|_)", (0, 100)),
    (r"(^|_)(discount|rate|ratio|fraction|share|probability|weight_factor|tax_rate)($|_)", (0, 1)),
    (r"(_ms|_millis|_milliseconds)$|(^|_)(latency|elapsed_ms)($|_)", (1, 5_000)),
    (r"(_seconds|_secs|_sec)$|(^|_)duration($|_)", (1, 3_600)),
    (r"(_minutes|_mins)$", (1, 240)),
    (r"(_hours)$", (1, 48)),
    (r"(_days)$", (1, 90)),
    (r"(^|_)(bytes|size|file_size|size_bytes|filesize)($|_)|_bytes$", (1_000, 10_000_000)),
    (r"(^|_)year($|_)", (1990, 2026)),
    (r"(^|_)age($|_)", (18, 90)),
    (r"(^|_)(rating|stars)($|_)", (1, 5)),
    (r"(^|_)(score)($|_)", (0, 100)),
    (r"(^|_)(quantity|qty|units|items|seats|guests|nights)($|_)", (1, 20)),
    (r"(^|_)(stock|inventory|on_hand)($|_)", (0, 500)),
    (r"(^|_)(price|unit_price|amount|cost|total|subtotal|balance|fee|charge|payment|salary|revenue|"
     r"tax|budget|deposit|credit|debit|refund|tip|wage)($|_)", (1, 500)),
    (r"(^|_)(weight|kg)($|_)", (0.1, 100)),
    (r"(^|_)(height|width|length|depth|cm)($|_)", (1, 250)),
    (r"(^|_)(count|views|likes|clicks|visits|followers)($|_)", (0, 1_000)),
    (r"(^|_)(page|pages)($|_)", (1, 900)),
    (r"(^|_)(version|revision|attempt|attempts|retries|priority|level|position|rank|sort_order)($|_)", (1, 10)),
)

# Text semantics by name, in order; the specific names come before `pii:` is consulted.
SPECIFIC_TEXT = (
    ("first_name", "first_name"), ("given_name", "first_name"), ("last_name", "last_name"),
    ("surname", "last_name"), ("family_name", "last_name"),
)
GENERAL_TEXT = (
    ("email", "email"), ("full_name", "name"), ("display_name", "name"), ("phone", "phone"),
    ("mobile", "phone"), ("url", "url"), ("website", "url"), ("city", "city"), ("town", "city"),
    ("country", "country"), ("postal_code", "postal_code"), ("postcode", "postal_code"), ("zip", "postal_code"),
    ("state", "state"), ("province", "state"), ("region", "state"), ("address", "address"), ("street", "address"),
    ("company", "company"), ("employer", "company"), ("organisation", "company"), ("organization", "company"),
    ("password", "password_hash"), ("passwd", "password_hash"), ("secret_hash", "password_hash"),
    ("job_title", "job_title"), ("title", "title"), ("subject", "title"), ("headline", "title"),
    ("birth", "dob"), ("dob", "dob"), ("description", "sentence"), ("notes", "sentence"), ("comment", "sentence"),
    ("body", "paragraph"), ("content", "paragraph"), ("bio", "sentence"), ("summary", "sentence"),
    ("ip_address", "ip"), ("currency", "iso_currency"), ("color", "hex_color"), ("colour", "hex_color"),
    ("slug", "slug"), ("hostname", "hostname"), ("domain", "hostname"),
)


def numeric_range(name: str) -> tuple[float, float] | None:
    """The plausible range of a number named `name`, or None when the name says nothing."""
    lowered = name.lower()
    for pattern, bounds in _NUMERIC:
        if re.search(pattern, lowered):
            return bounds
    return None


def text_meaning(name: str, hints) -> str | None:
    lowered = name.lower()
    for hint, meaning in hints:
        if hint in lowered:
            return meaning
    return None
