"""What ``rnn-tui check`` says about every file in ``samples/check/``, and how long it takes.

    python bench/check_samples.py [--repeats 3]

For each sample: the verdict, the first line of the diagnosis, and the check's own
time (``report.seconds``: the child process's start, the import, every call of the
user's function and rnn-tui's side of the comparison), the median of
``--repeats`` runs.  The command a user types adds the interpreter's start and
rnn-tui's imports (about 0.3 s more).  This is a report, not a test: it exits 0.
"""

from __future__ import annotations

import argparse
import os
import statistics
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from rnn_tui.core.usercheck import CheckOptions, run_check  # noqa: E402
from rnn_tui.tui.cli import config_from_args                # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "check"
TASK = {"subtraction.py": "subtraction", "bug_subtraction_preactivation.py": "subtraction"}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    print(f"{'sample':<34} {'verdict':<8} {'seconds':>8}  diagnosis")
    for path in sorted(SAMPLES.glob("*.py")):
        task = TASK.get(path.name)
        # as `rnn-tui check` makes it: the check's network always has the biases
        ns = argparse.Namespace(task=task, hidden=None, layers=None, batch=None, seq_len=None, seed=None, bias=True)
        opts = CheckOptions(file=str(path), config=config_from_args(ns),
                            given=frozenset({"task"} if task else ()))
        times, report = [], None
        for _ in range(args.repeats):
            report = run_check(opts)
            times.append(report.seconds)
        first = report.diagnosis[0].title if report.diagnosis else "—"
        verdict = "pass" if report.passed else "FAIL"
        print(f"{path.name:<34} {verdict:<8} {statistics.median(times):8.2f}  {first}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
