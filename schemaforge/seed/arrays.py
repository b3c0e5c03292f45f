"""Arrow arrays built straight from NumPy buffers."""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def fixed_width_strings(chars: np.ndarray, to: pa.DataType = pa.string()) -> pa.Array:
    """(n, w) bytes as n values of w bytes, straight from the buffer (pa.array over a NumPy
    bytes array would import pandas, half a second of every build)."""
    n, width = chars.shape
    buffer = pa.py_buffer(np.ascontiguousarray(chars, dtype=np.uint8).tobytes())
    return pa.Array.from_buffers(pa.binary(width), n, [None, buffer]).cast(pa.binary()).cast(to)
