"""``rnn-tui serve``: the same app in a web browser, through textual-serve.

textual-serve starts one ``rnn-tui`` process per browser tab (its own session) and
relays the terminal over a websocket.  It binds to loopback unless ``--host`` says
otherwise.
"""

from __future__ import annotations

import shlex
import sys


def serve(argv: list[str]) -> int:
    from rnn_tui.tui.cli import UsageError, build_parser, build_serve_parser, config_from_args

    args = build_serve_parser().parse_args(argv)
    app_args = [a for a in args.app_args if a != "--"]
    if any(a in ("--headless", "serve", "replay") for a in app_args):
        print("rnn-tui: error: serve runs the interactive app; drop --headless", file=sys.stderr)
        return 2
    try:  # a bad flag is reported here, once, not in every browser tab
        config_from_args(build_parser().parse_args(app_args))
    except UsageError as e:
        print(f"rnn-tui: error: {e}", file=sys.stderr)
        return 2
    try:
        from textual_serve.server import Server
    except ImportError:
        print("rnn-tui: error: `rnn-tui serve` needs textual-serve (pip install textual-serve)",
              file=sys.stderr)
        return 2
    command = shlex.join([sys.executable, "-m", "rnn_tui", *app_args])
    public = f"http://{args.host}:{args.port}"
    print(f"rnn-tui serving on {public}  (each browser tab gets its own session; ctrl+c stops)",
          flush=True)
    server = Server(command, host=args.host, port=args.port, title="rnn-tui", public_url=public)
    try:
        server.serve()
    except OSError as e:
        print(f"rnn-tui: error: cannot serve on {args.host}:{args.port}: {e.strerror or e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0
