"""What each part of a training step costs *inside* a real step: trainers with one part
switched off, run in alternating rounds against an untouched one.

    python bench/ablate_step.py [--task charlm] [--batch 1] [--dtype float64]
                                [--steps 100] [--rounds 40]

A part timed alone (bench/profile_step.py) runs with its data hot in the caches and
the interpreter warmed to it; in a step it shares both with everything else, and
on this machine it then costs up to half again as much.  Here every trainer is
made from the same config and trained 200 steps, then one part of each but the
first is replaced by a no-op (the optimizer update, the backup, the note
of the task's figures, every metric, the loss history).  The trainers take
turns, ``--steps`` steps a round; each round's CPU time per step is paired with
the untouched trainer's in the same round, and the median of the paired
differences is what the part costs.  A second untouched trainer shows the noise.

The switched-off trainers no longer train as they should (a no-op optimizer
does not learn); only their time is of interest.  (Parts that change what the
rest computes, such as always the same batch, cannot be measured this way: the
network then learns that one window and its arrays change.)  BLAS runs on one thread.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import statistics                                                     # noqa: E402
import sys                                                            # noqa: E402
import time                                                           # noqa: E402
from pathlib import Path                                              # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from threadpoolctl import threadpool_limits                           # noqa: E402

from profile_step import run_args                                     # noqa: E402  (bench/, this folder, is on sys.path)
from rnn_tui.core.heap import keep_freed_memory                       # noqa: E402
from rnn_tui.core.trainer import Trainer                              # noqa: E402


def _no_optimizer(tr):
    tr.opt.step = lambda *a, **k: None


def _no_backup(tr):
    tr.BACKUP_EVERY = 10 ** 12


def _no_task_figures(tr):
    tr.recent.note = lambda *a: None                  # (nothing here reads them: only the note is timed)


def _no_metrics(tr):
    tr._metrics = lambda *a: {"ema": 0.0}


def _no_history(tr):
    tr.history.add = lambda *a: None


PARTS = (("optimizer update", _no_optimizer), ("backup (every 20 its)", _no_backup),
         ("task figures noted", _no_task_figures), ("all metrics (incl. accuracy)", _no_metrics),
         ("loss history", _no_history))


def main() -> int:
    args, cfg = run_args(__doc__, 100, 40)
    keep_freed_memory()                                                # as the app and --headless do

    def trainer(switch_off=None):
        tr = Trainer(cfg)
        for _ in range(200):
            tr.step()
        if switch_off is not None:
            switch_off(tr)
        return tr

    with threadpool_limits(limits=1):
        runs = [("(none: untouched)", trainer())] + [(name, trainer(off)) for name, off in PARTS] \
            + [("(none: a second untouched one)", trainer())]
        times: list[list[float]] = [[] for _ in runs]
        clock = time.process_time
        for _ in range(args.rounds):
            for i, (_, tr) in enumerate(runs):
                t0 = clock()
                for _ in range(args.steps):
                    tr.step()
                times[i].append((clock() - t0) / args.steps * 1e6)
    base = times[0]
    print(f"{args.task} B={args.batch} {args.dtype}: {statistics.median(base):.1f} µs per step untouched "
          f"(median of {args.rounds} rounds of {args.steps} steps)")
    print(f"{'part switched off':<32}{'µs/step it costs':>18}{'share':>8}")
    for (name, _), t in zip(runs[1:], times[1:], strict=True):
        cost = statistics.median(b - x for b, x in zip(base, t, strict=True))
        print(f"{name:<32}{cost:>18.1f}{cost / statistics.median(base):>8.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
