"""Where a B = 1 step's time goes beyond the lean yardstick: the lean trainer of
``bench/lean_reference.py``, then rnn-tui's core alone, then the trainer's parts added
one at a time, all in one process, in alternating rounds.

    python bench/vs_lean.py [--task charlm|subtraction] [--steps 200] [--rounds 40]

Rows (each a step function, timed in CPU µs per step, median over the rounds):

* ``lean``: min-char-rnn's (or the subtraction tutorial's) math and nothing else;
* ``core``: rnn-tui's own ``next_batch``, ``forward``, ``BPTT``, clipping and
  optimizer, called directly, with no trainer around them;
* ``+ metrics``: and ``Trainer._metrics`` (the accuracy, its recent mean, the moving
  averages, the deferred figures' Metrics);
* ``+ history``: and the loss history;
* ``+ backup``: and the rollback backup every ``Trainer.BACKUP_EVERY`` (20) iterations;
* ``trainer``: ``Trainer.step`` itself (undo, workspaces, checks, errstate, sample
  bookkeeping as well).

Each row after the first is also given as the median of its paired differences
from the row before: what that part adds inside a real step.  BLAS runs on one
thread; the machine is shared, so run it more than once.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse                                                       # noqa: E402
import statistics                                                     # noqa: E402
import sys                                                            # noqa: E402
import time                                                           # noqa: E402
from pathlib import Path                                              # noqa: E402

import numpy as np                                                    # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from threadpoolctl import threadpool_limits                           # noqa: E402

from lean_reference import LeanCharLM, LeanSubtraction                # noqa: E402
from rnn_tui.core.config import Config                                # noqa: E402
from rnn_tui.core.heap import keep_freed_memory                       # noqa: E402
from rnn_tui.core.model import BPTT, forward                          # noqa: E402
from rnn_tui.core.optim import clip_changes, clip_grads, grad_total   # noqa: E402
from rnn_tui.core.trainer import Pending, Trainer                     # noqa: E402

SHAKESPEARE = ROOT / "samples" / "tinyshakespeare.txt"


def core_step(tr: Trainer, level: int):
    """A step of rnn-tui's core on ``tr``'s weights, with the trainer's parts up to
    ``level`` (0 none, 1 metrics, 2 history, 3 backup) added as Trainer.step does them."""
    spec, params, opt, task, cfg = tr.spec, tr.params, tr.opt, tr.task, tr.config
    works, turn = tr._works, [0]

    def step():
        batch = task.next_batch(tr.rng, 1)
        work = works[turn[0] % len(works)]
        turn[0] += 1
        h0 = tr._h0 if batch.reset or not task.carries_state else tr.hprev
        x = batch.x if spec.index_input else batch.x.astype(cfg.dtype, copy=False)
        y = batch.y if spec.head == "softmax_ce" else batch.y.astype(cfg.dtype, copy=False)
        cache = forward(spec, params, x, y, h0, batch.mask, work=work)
        bptt = BPTT(spec, params, cache, work=work)
        bptt.step(bptt.T)
        grads = bptt.grads
        total = grad_total(grads)
        if clip_changes(grads, cfg.clip_mode, cfg.clip, total):
            clip_grads(grads, cfg.clip_mode, cfg.clip, total=total)
        opt.step(params, grads)
        if task.carries_state:
            tr.hprev[...] = cache.hlast
        tr.iteration += 1
        if level >= 1:
            pending = Pending(batch, cache, bptt, {}, work=work)
            tr.last = pending
            m = tr._metrics(pending, None, total, None)
            if level >= 2:
                tr.history.add(tr.iteration, cache.loss, m["ema"])
            if level >= 3 and tr.iteration % tr.BACKUP_EVERY == 0:
                tr.bad_param()
                tr._backup = tr.state_dict(out=tr._backup)
    return step


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", choices=("charlm", "subtraction"), default="charlm")
    ap.add_argument("--steps", type=int, default=200, help="steps a round (default 200)")
    ap.add_argument("--rounds", type=int, default=40)
    args = ap.parse_args()
    keep_freed_memory()                                                # as the app and --headless do
    if args.task == "charlm":
        cfg = Config(task="charlm", text=str(SHAKESPEARE), batch=1)
        lean = LeanCharLM(SHAKESPEARE.read_text(encoding="utf-8"))
    else:
        cfg, lean = Config(task="subtraction", batch=1), LeanSubtraction()

    def trainer():
        tr = Trainer(cfg)
        for _ in range(300):
            tr.step()
        return tr

    rows = {"lean": lean.step, "core": core_step(trainer(), 0), "+ metrics": core_step(trainer(), 1),
            "+ history": core_step(trainer(), 2), "+ backup": core_step(trainer(), 3),
            "trainer": trainer().step}
    times: dict[str, list[float]] = {k: [] for k in rows}
    with np.errstate(all="ignore"), threadpool_limits(limits=1):
        for f in rows.values():                                        # warm up
            for _ in range(args.steps):
                f()
        for _ in range(args.rounds):
            for name, f in rows.items():
                t0 = time.process_time_ns()
                for _ in range(args.steps):
                    f()
                times[name].append((time.process_time_ns() - t0) / args.steps / 1e3)
    print(f"{args.task} B=1 float64: CPU µs per step, median of {args.rounds} rounds of {args.steps} steps")
    print(f"{'row':<12}{'µs/step':>10}{'adds':>10}{'vs lean':>10}")
    names = list(rows)
    for i, name in enumerate(names):
        med = statistics.median(times[name])
        adds = "" if i == 0 else f"{statistics.median(b - a for a, b in zip(times[names[i - 1]], times[name])):10.1f}"
        ratio = statistics.median(a / b for a, b in zip(times["lean"], times[name]))
        print(f"{name:<12}{med:>10.1f}{adds:>10}{ratio:>10.3f}")
    print("'adds': the median paired difference from the row above; 'vs lean': the lean step's time over this row's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
