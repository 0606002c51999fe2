"""The parent's side of the child process that runs the user's file.

:class:`Child` starts :mod:`~rnn_tui.core.usercheck.child` as a script (by path,
through ``python -c``, so the user's folder and not rnn-tui's comes first on
``sys.path``) with its working directory in the file's folder, a pipe for requests
and one for replies, and stdout/stderr on pipes that two threads drain into
:class:`Captured` buffers (the first and last bytes kept, the rest counted).  A
request that makes many calls gets a tick after each, and ``timeout`` is the time
allowed between two messages: one call of the user's function, or the import.
When it runs out, the child's process group is killed.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from rnn_tui.core.usercheck import child as wire

CHILD_SCRIPT = str(Path(wire.__file__).resolve())
BOOTSTRAP = ("import runpy, sys; runpy.run_path(sys.argv[1], "
             "run_name='__rnn_tui_check_child__')")
HEAD_BYTES = 32 * 1024
TAIL_BYTES = 8 * 1024


class UserCodeError(Exception):
    """The user's code did not get through a call: ``info`` says how (see child.py)."""

    def __init__(self, info: dict):
        super().__init__(info.get("summary", ""))
        self.info = info


@dataclass
class Captured:
    """What one stream of the user's code printed: the start and the end, and how much.

    Attributes:
        head: the first :data:`HEAD_BYTES` bytes.
        tail: the last :data:`TAIL_BYTES` bytes after the head (empty if it all fit).
        total: bytes written in all.
    """

    head: bytearray = field(default_factory=bytearray)
    tail: bytearray = field(default_factory=bytearray)
    total: int = 0
    newlines: int = 0
    ends_open: bool = False            # the last line has no newline yet (a prompt, say)

    @property
    def lines(self) -> int:
        """Lines written, the last one counted without its newline."""
        return self.newlines + self.ends_open

    def add(self, data: bytes) -> None:
        self.total += len(data)
        self.newlines += data.count(b"\n")
        if data:
            self.ends_open = not data.endswith(b"\n")
        room = HEAD_BYTES - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data
            if len(self.tail) > TAIL_BYTES:
                del self.tail[:len(self.tail) - TAIL_BYTES]

    @property
    def dropped(self) -> int:
        return self.total - len(self.head) - len(self.tail)

    def text(self) -> str:
        head = self.head.decode("utf-8", "replace")
        if not self.tail:
            return head
        gap = f"\n… {self.dropped:,} bytes not kept …\n" if self.dropped else ""
        return head + gap + self.tail.decode("utf-8", "replace")


def _drain(fd: int, sink: Captured) -> None:
    while True:
        try:
            b = os.read(fd, 65536)
        except OSError:
            break
        if not b:
            break
        sink.add(b)
    os.close(fd)


def _reader(fd: int, q: queue.Queue) -> None:
    try:
        while True:
            try:
                msg = wire.read_message(fd)
            except (ValueError, UnicodeDecodeError) as e:
                q.put(("garbled", str(e)))
                return
            if msg is None:
                q.put(("eof", None))
                return
            q.put(("msg", msg))
    finally:
        os.close(fd)


class Child:
    """The user's file in a child process; use as a context manager.

    Args:
        path: the file (absolute).
        timeout: seconds allowed for the import and for each call.
    """

    def __init__(self, path: str, timeout: float):
        self.path, self.timeout = path, timeout
        self.stdout, self.stderr = Captured(), Captured()
        self.proc: subprocess.Popen | None = None
        self.dead = False

    def __enter__(self) -> "Child":
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8")
        env.pop("PYTHONSTARTUP", None)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", BOOTSTRAP, CHILD_SCRIPT, str(req_r), str(rep_w)],
                cwd=os.path.dirname(self.path), stdin=subprocess.DEVNULL, stdout=out_w, stderr=err_w,
                pass_fds=(req_r, rep_w), env=env, start_new_session=True)
        finally:
            for fd in (req_r, rep_w, out_w, err_w):
                os.close(fd)
        self.req = req_w
        self.replies: queue.Queue = queue.Queue()
        self.threads = [threading.Thread(target=_reader, args=(rep_r, self.replies), daemon=True),
                        threading.Thread(target=_drain, args=(out_r, self.stdout), daemon=True),
                        threading.Thread(target=_drain, args=(err_r, self.stderr), daemon=True)]
        for th in self.threads:
            th.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.proc is None:
            return
        if not self.dead:
            try:
                wire.write_message(self.req, {"op": "exit"})
            except OSError:
                pass
        try:
            os.close(self.req)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self._kill()
        for th in self.threads[1:]:
            th.join(timeout=2)       # the last of what it printed
        self.proc = None

    def stop(self) -> None:
        """Kill the child's process group now, from any thread (an app quitting while
        the user's code runs); the request waiting on it then ends as ``died``."""
        proc = self.proc
        if proc is None:
            return
        self.dead = True
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def _kill(self) -> None:
        """Stop the child and whatever it started (its own process group)."""
        self.dead = True
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def request(self, op: str, stage: str, **kw):
        """Send one request and wait for its reply (ticks reset the clock).

        Raises:
            UserCodeError: the user's code raised, exited, returned something
                unusable, did not answer within ``timeout`` (kind ``"timeout"``) or
                ended the process (kind ``"died"``).
        """
        if self.dead:
            raise UserCodeError({"kind": "died", "stage": stage, "summary": "the process has already ended"})
        try:
            wire.write_message(self.req, {"op": op, "stage": stage, **kw})
        except (BrokenPipeError, OSError):
            return self._died(stage)
        while True:
            try:
                kind, msg = self.replies.get(timeout=self.timeout)
            except queue.Empty:
                self._kill()
                raise UserCodeError({"kind": "timeout", "stage": stage, "seconds": self.timeout,
                                     "summary": f"no answer within {self.timeout:g} s"}) from None
            if kind != "msg":
                return self._died(stage)
            if "tick" in msg:
                continue
            if "error" in msg:
                raise UserCodeError(msg["error"])
            return msg["ok"]

    def _died(self, stage: str):
        code = self.proc.wait(timeout=5) if self.proc else None
        self.dead = True
        raise UserCodeError({"kind": "died", "stage": stage, "code": code,
                             "summary": f"the process {how_it_ended(code)}"})


def how_it_ended(code: int | None) -> str:
    """``ended (exit status 3)``, or ``was killed by SIGSEGV`` for a negative status."""
    if code is not None and code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"ended (exit status {code})"
