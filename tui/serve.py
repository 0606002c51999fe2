"""``rnn-tui serve``: the same app in a web browser, through textual-serve.

textual-serve starts one ``rnn-tui`` process per browser tab (its own session) and
relays the terminal over a websocket.  It binds to loopback unless ``--host`` says
otherwise.
"""

from __future__ import annotations

import getpass
import ipaddress
import shlex
import socket
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
    try:
        loopback = check_address(args.host, args.port)
    except UsageError as e:
        print(f"rnn-tui: error: {e}", file=sys.stderr)
        return 2
    command = shlex.join([sys.executable, "-m", "rnn_tui", *app_args])
    public = f"http://{url_host(args.host)}:{args.port}"
    if not loopback:
        print(f"rnn-tui: warning: {args.host} is reachable from other machines: anyone who can reach "
              f"port {args.port} can drive the app and read and write files as this user "
              f"({getpass.getuser()}); serve on 127.0.0.1 (the default) and use an SSH tunnel "
              "to share it safely", file=sys.stderr, flush=True)
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


def url_host(host: str) -> str:
    """``host`` as a URL writes it: an IPv6 address in brackets."""
    try:
        return f"[{host}]" if ipaddress.ip_address(host).version == 6 else host
    except ValueError:
        return host                                   # a name


def check_address(host: str, port: int) -> bool:
    """Bind ``host:port`` for a moment, so that a bad host or a port in use is said
    before the server starts; returns whether every address of ``host`` is loopback."""
    from rnn_tui.tui.cli import UsageError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise UsageError(f"cannot serve on {host}: not an address or a known host name ({e.strerror})") from None
    family, kind, proto, _, addr = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)     # as the server itself binds
        try:
            s.bind(addr)
        except OSError as e:
            why = f"port {port} is in use" if e.errno in (98, 48) else (e.strerror or str(e))
            raise UsageError(f"cannot serve on {url_host(host)}:{port}: {why}") from None
    return all(ipaddress.ip_address(i[4][0].split("%")[0]).is_loopback for i in infos)
