"""Keep freed memory in the process instead of handing it back to the kernel.

Every training step allocates the same arrays again: the forward cache and the
BPTT buffers, ``(L, T, B, H)`` each, 640 KB apiece at B = 32.  glibc's malloc
serves blocks that large with ``mmap`` and returns them to the kernel when they
are freed (or trims them off the top of the heap), so the next step touches
fresh pages: about 700 page faults per step at B = 32, a third of the step
spent in the kernel zeroing memory.  :func:`keep_freed_memory` raises both
thresholds so that freed blocks stay in the heap and the next step reuses them.
Memory stays flat: it settles at one step's high-water mark.

The UI process needs the opposite, :func:`mmap_large_blocks`: its reader thread
receives a pickled snapshot ten times a second (about 70 KB for the default
model, a little larger each time as the loss history grows), and the arrays
unpickled from one message stay alive while the buffer it came in is freed.  The
next, larger buffer does not fit the hole, so the thread's malloc arena grows by
a few MB a minute, almost all of it free (measured: bench/soak.py, issue 10).
Blocks from ``mmap`` go back to the kernel when freed and leave no hole.

Only glibc has these knobs; elsewhere the calls do nothing.
"""

from __future__ import annotations

import ctypes
import sys

_M_TRIM_THRESHOLD = -1      # from <malloc.h>
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20   # glibc's largest allowed value on 64-bit systems
TRIM_THRESHOLD = 256 << 20
LARGE_BLOCK = 32 << 10      # under the smallest snapshot message (the loss history alone is up to 48 KB)

_done: bool | None = None


def _mallopt():
    """glibc's ``mallopt``, or None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        mallopt = ctypes.CDLL(None).mallopt             # the process's own libc
    except (OSError, AttributeError):                   # no mallopt there: not glibc
        return None
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return mallopt


def keep_freed_memory() -> bool:
    """Make blocks under 32 MiB come from the heap and keep up to 256 MiB of freed
    heap for reuse.  Process-wide; call once, before training.  Returns True if
    malloc accepted both settings (glibc), False where they do not exist."""
    global _done
    if _done is None:
        mallopt = _mallopt()
        _done = mallopt is not None and (mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
                                         and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1)
    return _done


def mmap_large_blocks(threshold: int = LARGE_BLOCK) -> bool:
    """Serve every block of ``threshold`` bytes or more with ``mmap`` (process-wide),
    so that freeing it hands its memory back at once.  For the UI process, whose
    reader thread receives the snapshots; never for training (see the module
    docstring).  Returns True if malloc accepted it (glibc)."""
    mallopt = _mallopt()
    return mallopt is not None and mallopt(_M_MMAP_THRESHOLD, threshold) == 1
