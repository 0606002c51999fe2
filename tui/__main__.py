"""Entry point of ``rnn-tui`` and ``python -m tui``."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    # One BLAS thread: training keeps one core, the UI the other (see README).
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    from tui.cli import UsageError, build_parser, make_trainer

    args = build_parser().parse_args(argv)
    try:
        trainer = make_trainer(args)
    except UsageError as e:
        print(f"rnn-tui: error: {e}", file=sys.stderr)
        return 2
    if args.headless:
        from tui.headless import run

        return run(trainer, args.steps, args.csv, args.jsonl, args.save)
    if args.low_bandwidth:
        os.environ.setdefault("TEXTUAL_COLOR_SYSTEM", "256")
    from tui.app import RnnApp

    fps = args.fps or (4.0 if args.low_bandwidth else 10.0)
    app = RnnApp(trainer, fps=fps, paused=args.paused, heavy_hz=0.5 if args.low_bandwidth else 2.0)
    app.run()
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
