"""Where one training step's time goes, part by part (B = 1 by default).

    python bench/profile_step.py [--task charlm|subtraction] [--text FILE] [--batch 1]
                                 [--steps 3000] [--rounds 5]

The trainer's own step is run ``--steps`` times per round with a timer around each
function it calls (the parts below); a part's time is *exclusive* (what its own
lines take, the parts it calls subtracted), so the rows add up to the step.
"rest of Trainer.step" is the step's own lines and everything not named.  Times
are CPU µs per step, median over ``--rounds`` rounds; the wrappers cost about
0.2 µs a call, charged to the part that called them.  BLAS runs on one thread.

Parts that a rewrite removed or renamed are skipped (so the same script profiles
an older commit too: ``git worktree add`` it and run this file from there).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse                                                       # noqa: E402
import importlib                                                      # noqa: E402
import statistics                                                     # noqa: E402
import sys                                                            # noqa: E402
import time                                                           # noqa: E402
from pathlib import Path                                              # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from threadpoolctl import threadpool_limits                           # noqa: E402

from rnn_tui.core.config import Config                                # noqa: E402
from rnn_tui.core.heap import keep_freed_memory                       # noqa: E402
from rnn_tui.core.trainer import Trainer                              # noqa: E402

CLOCK = time.process_time_ns

# (label, module, qualified name); instance-level names are patched on the class.
PARTS = (
    ("data: next batch", None, "task.next_batch"),
    ("forward (total, incl. cell steps)", "rnn_tui.core.model", "forward"),
    ("  cell.inputs (Wxh x_t + bh, all t)", "rnn_tui.core.cells", "RNNCell.inputs"),
    ("  cell.step (T calls)", "rnn_tui.core.cells", "RNNCell.step"),
    ("  cell.run (the recurrence, T steps)", "rnn_tui.core.cells", "RNNCell.run"),
    ("  head forward (softmax, loss)", None, "head.forward"),
    ("BPTT setup (dy, dWhy, dh_out, f')", "rnn_tui.core.model", "BPTT.__init__"),
    ("  head backward (dy)", None, "head.backward"),
    ("BPTT steps (loop)", "rnn_tui.core.model", "BPTT.step"),
    ("  cell.backward_step (T calls)", "rnn_tui.core.cells", "RNNCell.backward_step"),
    ("  cell.backward_run (BPTT's recurrence, one layer)", "rnn_tui.core.cells", "RNNCell.backward_run"),
    ("weight grads (dWxh dWhh dbh)", "rnn_tui.core.model", "BPTT._weight_grads"),
    ("  dWxh scatter", "rnn_tui.core.model", "_scatter_columns"),
    ("grad norms", "rnn_tui.core.optim", "grad_norms"),
    ("clipping", "rnn_tui.core.optim", "clip_grads"),
    ("optimizer update", "rnn_tui.core.optim", "Optimizer.step"),
    ("metrics (EMA; the rest when read)", "rnn_tui.core.trainer", "Trainer._metrics"),
    ("  task figures noted (outputs copied)", "rnn_tui.core.figures", "RecentFigures.note"),
    ("  task metrics (accuracy, bpc), when read", None, "task.metrics"),
    ("history", "rnn_tui.core.history", "History.add"),
    ("sample (every 100 its)", "rnn_tui.core.trainer", "Trainer.resample"),
    ("sample noted, drawn when read (every 100)", "rnn_tui.core.trainer", "Trainer._sample_later"),
    ("backup state_dict (every 20 its)", "rnn_tui.core.trainer", "Trainer.state_dict"),
    ("non-finite param check (every 20)", "rnn_tui.core.trainer", "Trainer.bad_param"),
)


class Timer:
    """Exclusive time per label: a stack of open calls, each charged its own time."""

    def __init__(self):
        self.total: dict[str, int] = {}
        self.stack: list[list] = []          # [label, start, time spent in callees]

    def wrap(self, label, fn):
        def timed(*a, **k):
            t0 = CLOCK()
            self.stack.append([label, t0, 0])
            try:
                return fn(*a, **k)
            finally:
                t1 = CLOCK()
                _, start, inner = self.stack.pop()
                self.total[label] = self.total.get(label, 0) + (t1 - start) - inner
                if self.stack:
                    self.stack[-1][2] += t1 - start
        timed.__wrapped__ = fn
        return timed


def patch(timer: Timer, tr: Trainer) -> list[str]:
    """Wrap every part that exists in this version of the code; returns their labels."""
    found = []
    for label, modname, qual in PARTS:
        if modname is None:                  # a method of one of the trainer's objects
            objname, attr = qual.split(".")
            obj = {"task": tr.task, "head": _head(tr)}[objname]
            if obj is None or not hasattr(type(obj), attr):
                continue
            fn = next(c.__dict__[attr] for c in type(obj).__mro__ if attr in c.__dict__)
            wrapped = timer.wrap(label, fn.__func__ if isinstance(fn, staticmethod) else fn)
            setattr(type(obj), attr, staticmethod(wrapped) if isinstance(fn, staticmethod) else wrapped)
            found.append(label)
            continue
        mod = importlib.import_module(modname)
        owner, *rest = qual.split(".")
        if not hasattr(mod, owner):
            continue
        if rest:
            cls = getattr(mod, owner)
            if rest[0] not in cls.__dict__:
                continue
            fn = cls.__dict__[rest[0]]
            if isinstance(fn, staticmethod):
                setattr(cls, rest[0], staticmethod(timer.wrap(label, fn.__func__)))
            else:
                setattr(cls, rest[0], timer.wrap(label, fn))
        else:
            fn = getattr(mod, owner)
            for m in list(sys.modules.values()):     # every module that imported it by name
                if m is not None and getattr(m, owner, None) is fn and m.__name__.startswith("rnn_tui"):
                    setattr(m, owner, timer.wrap(label, fn))
        found.append(label)
    return found


def _head(tr):
    from rnn_tui.core.losses import HEADS
    return HEADS.get(tr.spec.head)


def run_args(doc: str, steps: int, rounds: int) -> tuple[argparse.Namespace, Config]:
    """The options of a script that trains one config in rounds (this one, ablate_step.py),
    and that config."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--task", default="charlm")
    ap.add_argument("--text", default=str(ROOT / "samples" / "tinyshakespeare.txt"))
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--dtype", default="float64")
    ap.add_argument("--steps", type=int, default=steps, help=f"steps a round (default {steps})")
    ap.add_argument("--rounds", type=int, default=rounds)
    args = ap.parse_args()
    kw = {"text": args.text} if args.task == "charlm" else {}
    return args, Config(task=args.task, batch=args.batch, dtype=args.dtype, **kw)


def main() -> int:
    args, cfg = run_args(__doc__, 3000, 5)
    keep_freed_memory()
    with threadpool_limits(limits=1):
        # the step alone, unpatched, for the total
        tr = Trainer(cfg)
        for _ in range(300):
            tr.step()
        plain = []
        for _ in range(args.rounds):
            t0 = CLOCK()
            for _ in range(args.steps):
                tr.step()
            plain.append((CLOCK() - t0) / args.steps / 1e3)
        tr = Trainer(cfg)
        timer = Timer()
        labels = patch(timer, tr)
        step = timer.wrap("rest of Trainer.step", tr.step)
        for _ in range(300):
            step()
        per_round = []
        for _ in range(args.rounds):
            timer.total.clear()
            for _ in range(args.steps):
                step()
            per_round.append({k: v / args.steps / 1e3 for k, v in timer.total.items()})
    med = {k: statistics.median(r.get(k, 0.0) for r in per_round) for k in labels + ["rest of Trainer.step"]}
    total = sum(med.values())
    print(f"{args.task} B={args.batch} {args.dtype}: {statistics.median(plain):.1f} µs per step unpatched "
          f"(rounds {' '.join(f'{v:.0f}' for v in plain)}); {total:.1f} µs with the timers")
    print(f"{'part':<40}{'µs/step':>9}{'share':>8}")
    for k in labels + ["rest of Trainer.step"]:
        print(f"{k:<40}{med[k]:>9.1f}{med[k] / total:>8.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
