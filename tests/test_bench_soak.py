"""bench/soak.py measures something real and leaves nothing behind.

No memory or time threshold here: only that the soak works — the app trains
under a pty, both processes are found and sampled, the figures are computed,
and the app's processes are gone afterwards, also when the soak is interrupted.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import app_bench  # noqa: E402
import soak  # noqa: E402


def test_soak_samples_both_processes_while_training():
    lines: list[str] = []
    res = soak.run(minutes=0.2, every=3.0, size=(80, 24), out=lines.append)
    assert res.first_frame is not None, res.problem
    assert res.problem is None
    assert not res.leftover, "processes left behind"
    assert len(res.samples) >= 4
    for s in res.samples:
        assert s.ui is not None and s.trainer is not None
        assert s.trainer_pid not in (None, res.ui_pid)
        rss, anon = s.ui
        assert 10 < rss < 10_000 and 0 < anon <= rss      # MiB: a Python process, sanely sized
        assert 10 < s.trainer[0] < 10_000
    assert res.samples[-1].iteration > res.samples[0].iteration      # it trained meanwhile
    assert res.samples[-1].written > 0
    for which in ("ui", "trainer"):
        mb, per_min, slope, n = res.growth(which, warmup=0.0)
        assert n == len(res.samples)
        assert mb == getattr(res.samples[-1], which)[0] - getattr(res.samples[0], which)[0]
    # the table printed one row per sample, then the summary prints the growth per process
    assert sum(bool(re.match(r"\s+\d+\s+[\d,-]+\s", ln)) for ln in lines) == len(res.samples)
    out: list[str] = []
    soak.summary(res, 0.0, out=out.append)
    text = "\n".join(out)
    assert re.search(r"UI process +VmRSS +after 0 s: +[+-]\d+\.\d\d MB, +[+-]\d+\.\d+ MB/min", text)
    assert re.search(r"training process +VmRSS +after 0 s: ", text)
    assert "processes left behind: 0" in text


def test_soak_interrupted_stops_the_app():
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    p = subprocess.Popen([sys.executable, str(ROOT / "bench" / "soak.py"), "--minutes", "5",
                          "--every", "1", "--size", "80x24"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
    app_pid = None
    try:
        seen = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = p.stdout.readline()
            seen.append(line)
            m = re.match(r"app pid (\d+)", line)
            if m:
                app_pid = int(m.group(1))
            if app_pid and re.match(r"\s+\d+\s+[\d,]+\s", line):    # a first sample row
                break
        assert app_pid, "".join(seen)
        assert app_bench.trainer_pid(app_pid) is not None         # the app and its trainer run
        p.send_signal(signal.SIGINT)                              # ^C
        out, _ = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    assert "interrupted" in out
    assert "processes left behind: 0" in out
    assert app_bench.session_members(app_pid) == []
    assert p.returncode == 0
