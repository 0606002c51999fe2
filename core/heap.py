"""Keep freed memory in the process instead of handing it back to the kernel.

Every training step allocates the same arrays again: the forward cache and the
BPTT buffers, ``(L, T, B, H)`` each, 640 KB apiece at B = 32.  glibc's malloc
serves blocks that large with ``mmap`` and returns them to the kernel when they
are freed (or trims them off the top of the heap), so the next step touches
fresh pages: about 700 page faults per step at B = 32, a third of the step
spent in the kernel zeroing memory.  :func:`keep_freed_memory` raises both
thresholds so that freed blocks stay in the heap and the next step reuses them.
Memory stays flat: it settles at one step's high-water mark.

Only glibc has these knobs; elsewhere the call does nothing.
"""

from __future__ import annotations

import ctypes
import sys

_M_TRIM_THRESHOLD = -1      # from <malloc.h>
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20   # glibc's largest allowed value on 64-bit systems
TRIM_THRESHOLD = 256 << 20

_done: bool | None = None


def keep_freed_memory() -> bool:
    """Make blocks under 32 MiB come from the heap and keep up to 256 MiB of freed
    heap for reuse.  Process-wide; call once, before training.  Returns True if
    malloc accepted both settings (glibc), False where they do not exist."""
    global _done
    if _done is None:
        _done = False
        if sys.platform.startswith("linux"):
            try:
                mallopt = ctypes.CDLL(None).mallopt     # the process's own libc
            except (OSError, AttributeError):           # no mallopt there: not glibc
                return False
            mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
            _done = (mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
                     and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1)
    return _done
