"""The pty bandwidth measurement of bench/app_bench.py measures something real.

No wall-clock or bandwidth threshold here: only that the measuring works — the
app starts under the pty, bytes are counted, the numbers are sane.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import app_bench  # noqa: E402


def test_pty_bandwidth_script_measures_bytes():
    s = app_bench.AppSession(80, 24, truecolor=False)
    try:
        ff = s.first_frame(timeout=60)
        assert ff is not None and 0 < ff < 60, s.health()
        t0 = s.t_spawn + ff
        time.sleep(2.5)
        a, b = t0 + 0.5, t0 + 2.5
        n = s.bytes_between(a, b)
        kib_s = n / 1024 / (b - a)
        assert n > 0 and math.isfinite(kib_s)
        assert kib_s < 10_000                      # a sane number, not a performance target
        samples = s.iteration_samples()
        assert samples and samples[-1][1] > samples[0][1]   # the status line counts iterations
        regions = app_bench.regions(s.snapshot(), a, b, 80, 24)
        assert sum(regions.values()) == n            # every byte attributed to a screen region
        assert s.health() is None
    finally:
        s.stop()
    assert not s.leftover, "processes left behind"
