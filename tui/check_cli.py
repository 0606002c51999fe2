"""``rnn-tui check FILE``: the command line of the BPTT checker (:mod:`rnn_tui.core.usercheck`).

Without ``--headless`` or ``--json``, and on a terminal, it opens the check view
(:mod:`rnn_tui.tui.check_app`); piped, it prints the report as ``--headless`` does.
Exit status: 0 when every check passes, 1 when one fails or the user's code
does not get through, 2 on bad input (one line, ``rnn-tui: error: …``, before any
screen opens), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import sys

from rnn_tui.core.tasks import TASKS
from rnn_tui.tui.cli import UsageError, _float, _int, _Parser, config_from_args
from rnn_tui.tui.terminal import say

CONFIG_FLAGS = ("task", "hidden", "layers", "batch", "seq_len", "seed", "bias", "bits", "activation")
# the check's network always has the biases bh, by (whatever the task trains with): a
# forward that forgets one then shows, and both contracts name them
TIMEOUT_MAX = 3600.0


CHECK_HELP = ("Find the bug in your own BPTT, timestep by timestep. Your file runs as your own program, "
            "in a process of its own, with its folder as the working directory; what it prints is kept "
            "and shown in the report. Importing it must not train (keep the training loop under "
            "`if __name__ == '__main__':`).\n\n"
            "Two contracts (samples/check/README.md has every shape):\n"
            "  lossFun(inputs, targets, hprev) -> loss, dWxh, dWhh, dWhy, dbh, dby, h_last\n"
            "      min-char-rnn style: the weights are the module globals Wxh (H, V), Whh (H, H),\n"
            "      Why (V, H), bh (H, 1), by (V, 1), set to fresh copies of rnn-tui's before every call;\n"
            "      inputs and targets are lists of ints, hprev and h_last are (H, 1).\n"
            "  loss_and_grads(params, inputs, targets, h0) -> loss, grads, h_last\n"
            "      any task (--task, --layers, --batch): params and grads are dicts under rnn-tui's\n"
            "      names and shapes (Wxh (H, D), bh (H,) …), inputs and targets as the task makes\n"
            "      them (time first), h0 and h_last (layers, batch, hidden).\n\n"
            "Checks, on rnn-tui's weights and examples in float64: the forward; every gradient against "
            "rnn-tui's BPTT (pass at 1e-7); your gradient against centred differences of your own loss; "
            "the shortest sequence length that fails; your backward loop traced pass by pass (dy, dh, "
            "dhraw, dhnext) against rnn-tui's stepper; and the classic mistake that explains it, with a hint.\n\n"
            "On a terminal it opens the check view: the answer, the table of checks, and the step-through of "
            "your backward loop (yours | reference | difference at each timestep, opening on the first "
            "mismatch); q quits with the exit status of --headless. Piped, it prints the report.")
CHECK_EPILOG = ("Examples: rnn-tui check samples/check/min_char_rnn.py --headless; "
                "rnn-tui check samples/check/subtraction.py --task subtraction --json")


def build_check_parser() -> argparse.ArgumentParser:
    return add_check_arguments(_Parser(prog="rnn-tui check", formatter_class=argparse.RawDescriptionHelpFormatter,
                                       description=CHECK_HELP, epilog=CHECK_EPILOG))


def add_check_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("file", help="your Python file")
    p.add_argument("--function", metavar="NAME",
                   help="the function to check (default: loss_and_grads, else lossFun); "
                        "three arguments mean the min-char-rnn contract, four the other")
    p.add_argument("--names", metavar="NAME=YOURS,…", default="",
                   help="your names for the traced values: dy, dh, dhraw, dhnext, the loop variable t "
                        "and the layer variable l (e.g. dh=delta_h,t=step)")
    p.add_argument("--task", choices=list(TASKS), help="loss_and_grads only: the task whose examples and loss "
                                                  "to use (default charlm)")
    p.add_argument("--layers", type=_int("layers"), help="loss_and_grads only: stacked layers")
    p.add_argument("--batch", type=_int("batch"), help="loss_and_grads only: sequences per call")
    p.add_argument("--bits", type=_int("bits"),
                   help="loss_and_grads only: operand bits of subtraction and addition (their example's length)")
    p.add_argument("--activation", choices=("tanh", "sigmoid"),
                   help="the hidden layer's activation (default tanh; subtraction and addition: sigmoid)")
    p.add_argument("--hidden", type=_int("hidden"),
                   help="hidden units (a lossFun file's own Wxh decides; this must agree)")
    p.add_argument("--seq-len", type=_int("seq-len"), help="timesteps of the example (default 25)")
    p.add_argument("--seed", type=_int("seed", 0), help="seed of rnn-tui's weights and examples (default 0)")
    p.add_argument("--timeout", type=_float("timeout"), default=20.0,
                   help="seconds allowed for the import and for each call (default 20)")
    p.add_argument("--headless", action="store_true",
                   help="print the report instead of opening the check view (as when the output is not a "
                        "terminal); exit 0 when every check passes, 1 if not")
    p.add_argument("--json", action="store_true", help="print the report as JSON (for autograders and CI)")
    return p


def internal_error_line(e: BaseException) -> str:
    """One line for a bug of the check itself (never a traceback of ours)."""
    import traceback

    frames = traceback.extract_tb(e.__traceback__)
    where = f", at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
    return f"the check itself failed ({type(e).__name__}: {e}{where}); please report it"


def check(argv: list[str]) -> int:
    """``rnn-tui check …``; returns the exit status."""
    from rnn_tui.core.usercheck import CheckOptions, CheckUsageError, parse_names, run_check
    from rnn_tui.core.usercheck.checks import validate_file

    args = build_check_parser().parse_args(argv)
    try:
        if args.timeout > TIMEOUT_MAX:
            raise UsageError(f"--timeout {args.timeout:g} is too long (at most {TIMEOUT_MAX:g} s)")
        names = parse_names(args.names)
        args.bias = True
        given = frozenset(k for k in CONFIG_FLAGS if k != "bias" and getattr(args, k) is not None)
        cfg = config_from_args(argparse.Namespace(**{k: getattr(args, k) for k in CONFIG_FLAGS}))
        opts = CheckOptions(file=args.file, function=args.function, names=names, config=cfg, given=given,
                            timeout=args.timeout)
        if not (args.headless or args.json) and all(f.isatty() for f in (sys.stdin, sys.stdout, sys.stderr)):
            validate_file(args.file)            # a missing file or a syntax error: one line, no screen
            return _view(opts)
        report = run_check(opts)
    except (UsageError, CheckUsageError) as e:
        return _cannot_check(str(e), args.json)
    except KeyboardInterrupt:                   # the child is stopped on the way out
        print("rnn-tui: check interrupted", file=sys.stderr)
        return 130
    except Exception as e:                      # noqa: BLE001 (a bug of ours: one line, not a traceback)
        return _cannot_check(internal_error_line(e), args.json)
    say(report.to_json() if args.json else report.to_text())    # (| head stops reading: quietly)
    return 0 if report.passed else 1


def _cannot_check(message: str, as_json: bool) -> int:
    """Exit status 2 with its one line on stderr; with ``--json`` also a report an
    autograder can read: ``{"passed": false, "error": …}``."""
    print(f"rnn-tui: error: {message}", file=sys.stderr)
    if as_json:
        import json

        print(json.dumps({"passed": False, "error": message}, ensure_ascii=False))
    return 2


def _view(opts) -> int:
    """The check view; its exit status, and the line it leaves for the terminal (an
    error found after the screen opened, or an interrupted check)."""
    from rnn_tui.tui.check_app import CheckApp

    app = CheckApp(opts)
    code = app.run()
    if app.error_line:
        print(app.error_line, file=sys.stderr)
    return app.return_code if code is None else code
