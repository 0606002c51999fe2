"""A large corpus in the app: how soon the first frame comes, and how much memory the
two processes hold, against the same app on the shipped corpus in the same run.

    python bench/big_corpus.py [--mb 200] [--kind ascii|cjk|both] [--keep FILE]

The corpus is tinyshakespeare (ASCII) or the Analects (CJK, 3 bytes a character)
repeated to ``--mb`` MB.  For each, ``rnn-tui --text FILE`` starts under a pty
(100x30); the script reads the time of the first frame (the status line drawn),
the time until training runs (the iteration counter moves), and each process's
peak resident memory (``VmHWM`` of /proc/PID/status) and its resident memory once
training runs.  Goals (issue 10): the first frame within a second whatever the
corpus, and both processes together at most about 3x the corpus size.

This is a report, not a test: it always exits 0.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import app_bench  # noqa: E402
from app_bench import AppSession, trainer_pid  # noqa: E402

SOURCES = {"ascii": ROOT / "samples" / "tinyshakespeare.txt", "cjk": ROOT / "samples" / "lunyu.txt"}


def make_corpus(kind: str, mb: float, folder: Path) -> Path:
    chunk = SOURCES[kind].read_bytes()
    path = folder / f"big-{kind}-{mb:g}MB.txt"
    with open(path, "wb") as f:               # whole copies: never a character cut in two
        for _ in range(max(1, round(mb * 2**20 / len(chunk)))):
            f.write(chunk)
    return path


def mem(pid: int | None, field: str) -> float:
    """``field`` (VmHWM, VmRSS) of a process in MiB, 0 if it is gone."""
    if pid is None:
        return 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def measure(text: Path, timeout: float = 120.0) -> dict:
    s = AppSession(100, 30, args=("--text", str(text), "--no-autosave"))
    try:
        ff = s.first_frame(timeout=30)
        child = None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            child = child or trainer_pid(s.pid)
            samples = s.iteration_samples()
            if samples and samples[-1][1] > 0:
                break
            time.sleep(0.1)
        trains = time.monotonic() - s.t_spawn
        time.sleep(2.0)                                   # a little steady training
        return {"first_frame": ff, "trains": trains, "ui_peak": mem(s.pid, "VmHWM"),
                "trainer_peak": mem(child, "VmHWM"), "ui_rss": mem(s.pid, "VmRSS"),
                "trainer_rss": mem(child, "VmRSS"), "health": s.health()}
    finally:
        s.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=200.0, help="corpus size in MB (default 200)")
    ap.add_argument("--kind", choices=("ascii", "cjk", "both"), default="both")
    args = ap.parse_args()
    kinds = ("ascii", "cjk") if args.kind == "both" else (args.kind,)
    with tempfile.TemporaryDirectory(prefix="rnn-tui-big-") as tmp:
        ref = measure(SOURCES["ascii"])
        size_ref = SOURCES["ascii"].stat().st_size / 2**20
        print(f"reference: the shipped corpus ({size_ref:.1f} MiB): first frame {ref['first_frame']:.2f} s, "
              f"training after {ref['trains']:.1f} s, peak RSS app {ref['ui_peak']:.0f} MiB + "
              f"trainer {ref['trainer_peak']:.0f} MiB")
        for kind in kinds:
            path = make_corpus(kind, args.mb, Path(tmp))
            size = path.stat().st_size / 2**20
            r = measure(path)
            peak = r["ui_peak"] + r["trainer_peak"]
            base = ref["ui_peak"] + ref["trainer_peak"]
            print(f"\n{kind} corpus, {size:.0f} MiB{'  (' + r['health'] + ')' if r['health'] else ''}")
            print(f"  first frame        {r['first_frame']:.2f} s   ({r['first_frame'] / ref['first_frame']:.2f}x "
                  f"the reference's)   goal: within 1 s  {'PASS' if r['first_frame'] <= 1.0 else 'FAIL'}")
            print(f"  training after     {r['trains']:.1f} s")
            print(f"  peak RSS           app {r['ui_peak']:.0f} MiB, trainer {r['trainer_peak']:.0f} MiB: "
                  f"{peak / size:.2f}x the corpus ({(peak - base) / size:.2f}x beyond the reference's "
                  f"{base:.0f} MiB)   goal: about 3x  {'PASS' if peak / size <= 3.2 else 'FAIL'}")
            print(f"  RSS while training app {r['ui_rss']:.0f} MiB, trainer {r['trainer_rss']:.0f} MiB")
    app_bench.kill_all_active()
    return 0


if __name__ == "__main__":
    sys.exit(main())
