import sys

__version__ = "0.1.0"

# sqlglot parses, copies and renders expression trees recursively, one Python frame per level:
# a check of 1,000 nested parentheses or 2,000 ANDed terms (which PostgreSQL accepts) needs more
# than Python's default 1,000 frames. Since 3.11 Python-to-Python calls do not use the C stack,
# so a higher limit is safe; deeper still is a located error (design/expressions.py).
EXPRESSION_RECURSION_LIMIT = 100_000
if sys.getrecursionlimit() < EXPRESSION_RECURSION_LIMIT:
    sys.setrecursionlimit(EXPRESSION_RECURSION_LIMIT)
