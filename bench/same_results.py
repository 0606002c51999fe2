"""Does a change alter any result?  Train the same configurations in two checkouts, compare.

    python bench/same_results.py OLD_CHECKOUT [NEW_CHECKOUT] [--steps 120]

Each configuration trains ``--steps`` iterations in each checkout; the parameters, the
optimizer state, every loss, the last metrics and the sample text must be equal bit
for bit.  For speed work that promises identical results: a run diverging (an error)
is compared too, as its message.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
ANALECTS = str(HERE / "samples" / "lunyu.txt")
CASES = [dict(task="charlm"), dict(task="charlm", batch=32), dict(task="charlm", dtype="float32"),
         dict(task="charlm", layers=2), dict(task="charlm", text=ANALECTS), dict(task="charlm", optimizer="adam"),
         dict(task="charlm", clip_mode="norm", clip=1.0), dict(task="charlm", activation="sigmoid", lr=0.01),
         dict(task="subtraction"), dict(task="subtraction", batch=8), dict(task="addition"), dict(task="echo"),
         dict(task="stack"), dict(task="hello"), dict(task="charlm", optimizer="momentum", text=ANALECTS, batch=4)]


def results(root: str, steps: int) -> dict:
    """What each configuration ends with, trained in checkout ``root``."""
    sys.path.insert(0, root)
    from rnn_tui.core.config import Config
    from rnn_tui.core.trainer import Trainer

    out = {}
    for case in CASES:
        tr = Trainer(Config(**case))
        losses = []
        try:
            for _ in range(steps):
                losses.append(tr.step()["loss"])
        except Exception as e:                                         # a divergence is a result too
            losses.append(f"{type(e).__name__}: {e}")
        digest = hashlib.sha1()
        for a in (*tr.params.values(), *tr.opt.state.values()):
            digest.update(a.tobytes())
        metrics = sorted((k, repr(v)) for k, v in dict(tr.metrics).items())
        out[repr(case)] = {"weights and optimizer": digest.hexdigest(), "losses": losses,
                           "metrics": metrics, "sample": tr.sample_text}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old", nargs="?", help="the checkout to compare against (e.g. a git worktree of an older commit)")
    ap.add_argument("new", nargs="?", default=str(HERE))
    ap.add_argument("--steps", type=int, default=120)
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        sys.stdout.buffer.write(pickle.dumps(results(args.worker, args.steps)))
        return 0
    if args.old is None:
        ap.error("the checkout to compare against is required")
    got = []
    for root in (args.old, args.new):
        if not (Path(root) / "core" / "trainer.py").is_file():
            print(f"same_results: {root} is not an rnn-tui checkout (no core/trainer.py)", file=sys.stderr)
            return 2
        run = subprocess.run([sys.executable, __file__, "--worker", str(Path(root).resolve()), "--steps",
                              str(args.steps)], capture_output=True, cwd="/", check=False)
        if run.returncode:
            print(f"same_results: training in {root} failed:\n{run.stderr.decode(errors='replace')}", file=sys.stderr)
            return 1
        got.append(pickle.loads(run.stdout))
    old, new = got
    differ = 0
    for case in old:
        parts = [k for k in old[case] if old[case][k] != new[case][k]]
        if parts:
            differ += 1
        print(f"{'DIFFERENT' if parts else 'same     '}  {case}" + (f": {', '.join(parts)}" if parts else ""))
    print(f"{len(old) - differ} of {len(old)} configurations identical after {args.steps} steps")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
