"""End to end: the installed ``rnn-tui`` under a pseudo-terminal, driven by keys."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import sys
import termios
import time

ANSI = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\x1b\][^\x07]*\x07")


def _command() -> list[str]:
    exe = shutil.which("rnn-tui", path=os.path.dirname(sys.executable)) or shutil.which("rnn-tui")
    return [exe] if exe else [sys.executable, "-m", "rnn_tui"]


class Term:
    """A child process on a pty of a given size; collects everything it writes."""

    def __init__(self, args: list[str], cols: int = 100, rows: int = 30):
        env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(cols), LINES=str(rows))
        env.pop("NO_COLOR", None)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child
            os.execvpe(args[0], args, env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        os.kill(self.pid, signal.SIGWINCH)
        self.buf = b""

    def read_for(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            r, _, _ = select.select([self.fd], [], [], 0.05)
            if r:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                self.buf += chunk

    def text(self) -> str:
        return ANSI.sub(b"", self.buf).decode("utf-8", "replace")

    def wait_for(self, needle: str, timeout: float = 20.0, since: int = 0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.read_for(0.1)
            if needle in ANSI.sub(b"", self.buf[since:]).decode("utf-8", "replace"):
                return True
        return False

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def wait_exit(self, timeout: float = 10.0) -> int | None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.read_for(0.05)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
        return None

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def test_installed_app_trains_pauses_helps_and_quits(tmp_path):
    term = Term(_command() + ["--task", "subtraction", "--seed", "3"])
    try:
        assert term.wait_for("subtraction"), term.text()[-2000:]
        assert term.wait_for("[running]"), term.text()[-2000:]
        assert term.wait_for("Loss")
        term.send("\t\t")                      # the third panel: predictions
        assert term.wait_for("a−b ="), "subtraction's prediction panel never appeared"
        mark = len(term.buf)
        term.send(" ")
        assert term.wait_for("[paused]", since=mark), term.text()[-2000:]
        mark = len(term.buf)
        term.send("?")
        assert term.wait_for("rnn-tui keys", since=mark)
        term.send("\x1b")
        time.sleep(0.3)
        mark = len(term.buf)
        term.send("q")                         # it has trained: the first q asks
        assert term.wait_for("press q again", since=mark), term.text()[-2000:]
        term.send("q")
        assert term.wait_exit() == 0
    finally:
        term.kill()


def test_bad_flag_never_opens_the_app():
    term = Term(_command() + ["--hidden", "0"])
    try:
        code = term.wait_exit()
        assert code == 2
        out = term.text()
        assert "rnn-tui: error: --hidden must be a positive integer" in out
        assert "Traceback" not in out
    finally:
        term.kill()
