"""Entry point of ``rnn-tui`` and ``python -m rnn_tui``."""

from __future__ import annotations

import os
import sys


def no_terminal(what: str) -> str:
    """Why ``what`` (the app, a replay) cannot run here ("" when it can): the screen
    needs a terminal on stdin and stdout, unless textual-serve drives it (a browser)."""
    if os.environ.get("TEXTUAL_DRIVER") or (sys.stdin.isatty() and sys.stdout.isatty()):
        return ""
    side = "stdout" if sys.stdin.isatty() else "stdin"
    return (f"{what} needs a terminal, and {side} is not one; train without it with --headless "
            "(or serve it to a browser with rnn-tui serve)")


def main(argv: list[str] | None = None) -> int:
    # One BLAS thread: training keeps one core, the UI the other (see README).
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "replay":
        return replay(argv[1:])
    if argv and argv[0] == "check":
        from rnn_tui.tui.check_cli import check

        return check(argv[1:])
    if argv and argv[0] == "serve":
        from rnn_tui.tui.serve import serve

        return serve(argv[1:])
    from rnn_tui.tui.cli import UsageError, app_settings, build_parser, make_run, make_trainer

    args = build_parser().parse_args(argv)
    if args.command:                            # a command after flags: the flags would be lost
        print(f"rnn-tui: error: put the command first: rnn-tui {args.command} … (see rnn-tui "
              f"{args.command} --help)", file=sys.stderr)
        return 2
    try:
        settings = app_settings(args)
        run = make_trainer(args) if args.headless else make_run(args)
    except UsageError as e:
        print(f"rnn-tui: error: {e}", file=sys.stderr)
        return 2
    except MemoryError:
        print("rnn-tui: error: not enough memory for this network; use a smaller --hidden, "
              "--batch or --seq-len", file=sys.stderr)
        return 2
    if args.headless:
        from rnn_tui.tui.headless import run as headless

        return headless(run, args.steps or 1000, args.csv, args.jsonl, args.save, args.record,
                        args.record_every or 10, autosave=settings["autosave"])
    why = no_terminal("the app")
    if why:
        print(f"rnn-tui: error: {why}", file=sys.stderr)
        return 2
    if settings["low_bandwidth"]:
        os.environ.setdefault("TEXTUAL_COLOR_SYSTEM", "256")
    from rnn_tui.tui.app import RnnApp

    spec = getattr(run, "spec", None)          # a trainer built here (a small corpus)
    if spec is not None:
        cfg = run.config
        work = 6 * cfg.layers * cfg.seq_len * cfg.batch * cfg.hidden * (cfg.hidden + spec.input_size
                                                                          + spec.output_size)
        if work > 1e10:     # ~10 GFLOP: seconds a step on one core; the first view runs one forward + BPTT
            print(f"rnn-tui: a step of this network (hidden {cfg.hidden}, seq-len {cfg.seq_len}, batch "
                  f"{cfg.batch}) takes seconds; preparing the first view…", file=sys.stderr, flush=True)
    app = RnnApp(run, fps=settings["fps"], paused=args.paused, heavy_hz=0.5 if settings["low_bandwidth"] else 2.0,
                 backend=args.backend or "process", autosave=settings["autosave"], theme=settings["theme"],
                 remember_theme=True, output_folder=settings["output_folder"], preset=getattr(args, "preset", None))
    app.run()
    return app.return_code or 0


def replay(argv: list[str]) -> int:
    """``rnn-tui replay FILE``: play a recording in the app."""
    from rnn_tui.core.recording import RecordingError, Replayer, read
    from rnn_tui.tui.cli import build_replay_parser

    args = build_replay_parser().parse_args(argv)
    if args.fps > 60:
        print(f"rnn-tui: error: --fps {args.fps:g} is too high (at most 60; + plays faster)", file=sys.stderr)
        return 2
    if not 1 / 16 <= args.speed <= 64:
        print(f"rnn-tui: error: --speed {args.speed:g} is out of range (between 1/16 and 64)", file=sys.stderr)
        return 2
    try:
        rec = read(args.recording)
    except RecordingError as e:
        print(f"rnn-tui: error: {e}", file=sys.stderr)
        return 2
    why = no_terminal("a replay")
    if why:
        print(f"rnn-tui: error: {why}", file=sys.stderr)
        return 2
    from rnn_tui.tui.app import RnnApp

    app = RnnApp(replay=Replayer(rec), replay_fps=args.fps, paused=args.paused)
    app.replay_speed = args.speed
    app.run()
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
