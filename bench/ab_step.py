"""Trainer.step of two checkouts side by side: which is faster, paired round by round.

    python bench/ab_step.py OLD_CHECKOUT [NEW_CHECKOUT] [--task charlm] [--batch 1]
                            [--dtype float64] [--steps 100] [--rounds 80]

Each checkout trains in its own process (one BLAS thread, glibc's malloc as the app
sets it); the two take turns, ``--steps`` steps a round, and each round's CPU time per
step is paired with the other's next to it.  A slow spell of the shared machine then
slows both sides of a pair, so the median of the paired ratios resolves a few per cent
where whole runs an hour apart differ by half.  NEW_CHECKOUT defaults to this one.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse                                                       # noqa: E402
import statistics                                                     # noqa: E402
import subprocess                                                     # noqa: E402
import sys                                                            # noqa: E402
import time                                                           # noqa: E402
from pathlib import Path                                              # noqa: E402

HERE = Path(__file__).resolve().parent.parent


def worker(root: str, task: str, batch: int, dtype: str, steps: int) -> None:
    """Train in checkout ``root``; on each line read, run ``steps`` steps and print µs/step."""
    sys.path.insert(0, root)
    from rnn_tui.core.config import Config
    from rnn_tui.core.heap import keep_freed_memory
    from rnn_tui.core.trainer import Trainer

    keep_freed_memory()
    tr = Trainer(Config(task=task, batch=batch, dtype=dtype))
    for _ in range(300):                                              # warm: caches, sample, backup
        tr.step()
    print("ready", flush=True)
    for _ in sys.stdin:
        t0 = time.process_time()
        for _ in range(steps):
            tr.step()
        print((time.process_time() - t0) / steps * 1e6, flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old", nargs="?", help="the checkout to compare against (e.g. a git worktree of an older commit)")
    ap.add_argument("new", nargs="?", default=str(HERE), help="the checkout measured (default: this one)")
    ap.add_argument("--task", default="charlm")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--dtype", default="float64", choices=("float64", "float32"))
    ap.add_argument("--steps", type=int, default=100, help="steps a round (default 100)")
    ap.add_argument("--rounds", type=int, default=80, help="rounds a side (default 80)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.task, args.batch, args.dtype, args.steps)
        return 0
    if args.old is None:
        ap.error("the checkout to compare against is required")
    for root in (args.old, args.new):
        if not (Path(root) / "core" / "trainer.py").is_file():
            print(f"ab_step: {root} is not an rnn-tui checkout (no core/trainer.py)", file=sys.stderr)
            return 2
    procs = [subprocess.Popen([sys.executable, __file__, "--worker", str(Path(root).resolve()), "--task", args.task,
                               "--batch", str(args.batch), "--dtype", args.dtype, "--steps", str(args.steps)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd="/")
             for root in (args.old, args.new)]
    for p in procs:
        if p.stdout.readline().strip() != "ready":
            print("ab_step: a worker failed to start", file=sys.stderr)
            return 1

    def one_round(p) -> float:
        p.stdin.write("go\n")
        p.stdin.flush()
        return float(p.stdout.readline())

    old, new = [], []
    for i in range(args.rounds):
        first, second = (0, 1) if i % 2 == 0 else (1, 0)             # alternate who goes first
        t = {first: one_round(procs[first])}
        t[second] = one_round(procs[second])
        old.append(t[0])
        new.append(t[1])
    for p in procs:
        p.stdin.close()
        p.wait()
    ratios = [o / n for o, n in zip(old, new, strict=True)]
    print(f"{args.task} B={args.batch} {args.dtype}: old {statistics.median(old):.1f} µs/step, "
          f"new {statistics.median(new):.1f} µs/step; new is {statistics.median(ratios):.3f}x as fast "
          f"(median of {args.rounds} paired rounds; quartiles {statistics.quantiles(ratios, n=4)[0]:.3f}"
          f"-{statistics.quantiles(ratios, n=4)[2]:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
