"""The real ``rnn-tui`` in a pseudo-terminal: first frame, bytes/s, training speed, key latency.

    python bench/app_bench.py [--seconds 10] [--only frame|bytes|speed|latency|panels]
                              [--presses 30] [--key l|?] [--app-args="--fps 5"]
                              [--speed-size 160x48]

Every measurement starts the installed console script ``rnn-tui`` (default task:
char LM on tinyshakespeare, default settings) on a new pty of a fixed size with
``TERM=xterm-256color`` (plus ``COLORTERM=truecolor`` for the truecolor runs,
``NO_COLOR`` and ``TEXTUAL_*`` removed), and a reader thread drains everything
the app writes, time-stamping each read, so the app never blocks on output.
What is measured:

* **first frame**: spawn -> the status line (``charlm  it N``, ANSI stripped)
  first appears.  Collected from every app start; median reported.
* **bytes/s**: KiB written to the terminal per second in steady state (skip
  3 s after the first frame, then ``--seconds``), at 80x24 and 160x48, 256
  colours and truecolor.  Each run also attributes the bytes to screen regions
  (status line, tabs, footer, each panel) by the cursor-position escape that
  precedes them.
* **speed**: training it/s with the app open (iteration counter parsed from
  the status line at both ends of the window) against ``rnn-tui --headless
  --steps N`` (N calibrated to last about ``--seconds``); 3 rounds alternated,
  medians and their ratio.  Each round also prints the CPU share of the app's
  trainer process and UI process, so starvation and overhead can be told apart.
  At 80x24 (the default ``--speed-size``) the Loss panel is the one on screen; at
  160x48 every panel is, the weights panel too (its figures are sampled only then).
* **latency**: at 80x24 (the Loss panel is the one shown), while training, ``l``
  toggles log-y on the loss plot; time from ``os.write`` of the key to the first
  read containing the new y label (``loss (log)`` / ``loss``).  30 presses,
  random 100-300 ms gaps; p50, p95.  ``--key ?`` times the help screen instead.
* ``--only panels`` (diagnosis, not in the default run): bytes/s of each panel
  alone at 80x24, cycling them with ``tab``.

The machine must be quiet: every run prints how many cores *other* processes
used meanwhile (all busy CPU time minus this script's and its children's), and
the summary flags the run as noisy above 0.3 cores.  ``--app-args`` passes
extra options to every app start (diagnosis: ``--fps 5``, ``--sample-every``).

The app is always quit with ``q`` (SIGTERM, then SIGKILL to its process group
and session after a timeout) and the script checks that no process of the app's
session is left.  This is a report, not a test: it always exits 0.
"""

from __future__ import annotations

import argparse
import errno
import fcntl
import os
import pty
import random
import re
import resource
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import termios
import threading
import time
from collections import Counter
from pathlib import Path

TARGET_KIB = {(80, 24): 24.0, (160, 48): 48.0}
TARGET_SPEED_RATIO = 0.95
TARGET_P95_MS = 50.0

# CSI, OSC, DCS, two-byte and charset escapes.
ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1bP[^\x1b]*\x1b\\"
                  rb"|\x1b[()#][0-9A-Za-z]|\x1b[@-Z\\-_=>78]")
CUP = re.compile(rb"\x1b\[(\d+);(\d+)H")
STATUS = re.compile(r"charlm +it ([\d,]+)")
LOG_ON = re.compile(r"loss \(log\) +iteration")
LOG_OFF = re.compile(r"loss +iteration")
HELP_OPEN = re.compile(r"rnn-tui keys")
PANEL_TITLES = {"Loss": "loss", "Hidden state": "hidden", "Predictions vs truth": "predictions",
                "Generated text": "text", "Gradient flow": "gradients"}
TITLE = re.compile("╭─ (" + "|".join(re.escape(t) for t in PANEL_TITLES) + ")")
HEADLESS_RATE = re.compile(r"(\d+) iterations in ([\d.]+) s \((\d+) it/s\)")


def strip_ansi(data: bytes) -> str:
    return ANSI.sub(b"", data).decode("utf-8", "replace")


def find_rnn_tui() -> str:
    here = Path(sys.executable).parent / "rnn-tui"
    found = str(here) if here.exists() else shutil.which("rnn-tui")
    if not found:
        raise SystemExit("rnn-tui not found: activate the virtualenv the project is installed in")
    return found


RNN_TUI = find_rnn_tui()


def app_env(cols: int, rows: int, truecolor: bool) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("NO_COLOR", "COLORTERM", "FORCE_COLOR") and not k.startswith("TEXTUAL")}
    env["TERM"] = "xterm-256color"
    if truecolor:
        env["COLORTERM"] = "truecolor"
    env["COLUMNS"], env["LINES"] = str(cols), str(rows)
    if "UTF-8" not in env.get("LC_ALL", env.get("LANG", "")).upper().replace("UTF8", "UTF-8"):
        env["LC_ALL"] = "C.UTF-8"
    return env


def session_members(sid: int) -> list[int]:
    """Live processes (not zombies) whose session id is ``sid``."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            pids.append(int(d))
    return pids


def other_rnn_tui() -> list[str]:
    """Command lines of rnn-tui processes this script did not start (they skew every figure)."""
    mine = {os.getpid()}
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) in mine:
            continue
        try:
            cmd = Path(f"/proc/{d}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "rnn-tui" in cmd and "app_bench" not in cmd and "bash -c" not in cmd:
            out.append(f"pid {d}: {cmd.strip()[:90]}")
    return out


class CpuMeter:
    """CPU the rest of the machine used meanwhile: all busy time minus this script's and its
    reaped children's (the app, its trainer, headless runs).  In cores, averaged."""

    TICK = os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _busy() -> float:
        f = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return (sum(f) - f[3] - f[4]) / CpuMeter.TICK      # all but idle and iowait

    @staticmethod
    def _ours() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def __init__(self):
        self.t, self.busy, self.ours = time.monotonic(), self._busy(), self._ours()

    def others(self) -> float:
        dt = time.monotonic() - self.t
        return max(0.0, (self._busy() - self.busy) - (self._ours() - self.ours)) / max(dt, 1e-9)


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) process ``pid`` has used so far; 0 if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    f = stat[stat.rindex(")") + 2:].split()
    return (int(f[11]) + int(f[12])) / CpuMeter.TICK


def trainer_pid(sid: int) -> int | None:
    """The app's training child: the multiprocessing spawn child in its session."""
    for p in session_members(sid):
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmd:
            return p
    return None


ACTIVE: set = set()          # running sessions, killed on any exit path


class AppSession:
    """``rnn-tui`` on a pty of ``cols`` x ``rows``; a thread drains and time-stamps its output."""

    def __init__(self, cols: int, rows: int, truecolor: bool = False, args: tuple = (),
                 command: tuple = ()):
        """``command``: what starts the app (default: the ``rnn-tui`` console script),
        e.g. ``(sys.executable, "-X", "tracemalloc", "-m", "rnn_tui")``; ``args`` follow it."""
        self.cols, self.rows, self.truecolor = cols, rows, truecolor
        self.argv = [*(command or (RNN_TUI,)), *args]
        self.chunks: list[tuple[float, bytes]] = []
        self.cond = threading.Condition()
        self.eof = False
        self.leftover: list[int] = []
        env = app_env(cols, rows, truecolor)
        self.t_spawn = time.monotonic()
        pid, fd = pty.fork()
        if pid == 0:                                      # child: size the pty, become rnn-tui
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
                os.execve(self.argv[0], self.argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.status = None
        self.meter: CpuMeter | None = None
        self.others = 0.0
        ACTIVE.add(self)
        self._stop = False
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()

    @property
    def label(self) -> str:
        return f"{self.cols}x{self.rows} {'truecolor' if self.truecolor else '256 colours'}"

    def _read(self) -> None:
        while not self._stop:
            try:
                r, _, _ = select.select([self.fd], [], [], 0.05)
                if not r:
                    continue
                data = os.read(self.fd, 1 << 16)
            except OSError as e:                          # EIO: every slave end is closed
                if e.errno not in (errno.EIO, errno.EBADF):
                    raise
                data = b""
            now = time.monotonic()
            with self.cond:
                if data:
                    self._store(now, data)
                else:
                    self.eof = True
                self.cond.notify_all()
            if not data:
                return

    def _store(self, now: float, data: bytes) -> None:
        """Keep one read (called with ``cond`` held).  Every read is kept here; a long
        run (bench/soak.py) keeps less."""
        self.chunks.append((now, data))

    # ---- reading the stream ------------------------------------------------------

    def n_chunks(self) -> int:
        with self.cond:
            return len(self.chunks)

    def wait_for(self, pattern: re.Pattern, start: int = 0, timeout: float = 10.0,
                 carry_max: int = 16384):
        """Time of the first read at or after chunk ``start`` that completes a match of
        ``pattern`` in the ANSI-stripped stream (from chunk ``start`` on), or None."""
        deadline = time.monotonic() + timeout
        carry = b""
        i = start
        while True:
            with self.cond:
                while i >= len(self.chunks) and not self.eof:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return None
                    self.cond.wait(left)
                if i >= len(self.chunks):
                    return None
                new = self.chunks[i:]
            for t, data in new:
                carry = (carry + data)[-carry_max:]
                i += 1
                if pattern.search(strip_ansi(carry)):
                    return t
            if time.monotonic() > deadline:
                return None

    def first_frame(self, timeout: float = 30.0) -> float | None:
        t = self.wait_for(STATUS, 0, timeout)
        return None if t is None else t - self.t_spawn

    def snapshot(self) -> list[tuple[float, bytes]]:
        with self.cond:
            return list(self.chunks)

    def bytes_between(self, a: float, b: float) -> int:
        return sum(len(d) for t, d in self.snapshot() if a <= t < b)

    def iteration_samples(self) -> list[tuple[float, int]]:
        """(read time, iteration) each time the status line shows a new, higher count."""
        out, carry, last = [], b"", -1
        for t, data in self.snapshot():
            carry = (carry + data)[-4096:]
            its = [int(m.group(1).replace(",", "")) for m in STATUS.finditer(strip_ansi(carry))]
            if its and max(its) > last:
                last = max(its)
                out.append((t, last))
        return out

    def health(self) -> str | None:
        """What went wrong in the app, from its output, or None: a Python traceback (the
        spawned trainer writes it to the pty) or the app's 'training process stopped'."""
        raw = b"".join(d for _, d in self.snapshot())
        if b"Traceback (most recent call last)" in raw:
            tail = raw[raw.rindex(b"Traceback (most recent call last)"):].decode("utf-8", "replace")
            m = re.search(r"^\s*(\w+(?:Error|Exception|Interrupt)\b[^\r\n\x1b]*)", tail, re.M)
            where = re.findall(r'File "([^"]+)", line (\d+)', tail)
            at = f" at {Path(where[-1][0]).name}:{where[-1][1]}" if where else ""
            return f"traceback in the app: {m.group(1) if m else '?'}{at}"[:160]
        if "the training process stopped" in strip_ansi(raw):
            return "the app says: the training process stopped"
        if self.eof and self.status is None and self._alive() is False:
            return f"the app exited early (status {self.status})"
        return None

    def check(self) -> None:
        err = self.health()
        if err:
            raise RuntimeError(err)

    def send(self, keys: bytes) -> tuple[float, int]:
        """Write ``keys``; returns (time just before the write, index of the next chunk)."""
        with self.cond:
            idx = len(self.chunks)
        t = time.monotonic()
        try:
            os.write(self.fd, keys)
        except OSError as e:
            raise RuntimeError(f"cannot send keys: {e}; {self.health() or 'the app is gone'}") from None
        return t, idx

    # ---- ending it -----------------------------------------------------------------

    def _alive(self) -> bool:
        if self.status is not None:
            return False
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            self.status = -1
            return False
        if pid:
            self.status = status
            return False
        return True

    def _wait(self, seconds: float) -> bool:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if not self._alive():
                return True
            time.sleep(0.02)
        return not self._alive()

    def stop(self) -> None:
        """qq (quit, confirmed); again (a modal may have taken the first q); SIGTERM, SIGKILL to the group
        and to every process left in the app's session; check none is left."""
        try:
            for _ in range(2):
                if not self._alive():
                    break
                try:
                    os.write(self.fd, b"qq")       # a trained run asks for a second q
                except OSError:
                    break
                self._wait(2.5)
            for sig, grace in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 1.0)):
                members = session_members(self.pid)
                if not members and not self._alive():
                    break
                for p in members:
                    try:
                        os.kill(p, sig)
                    except ProcessLookupError:
                        pass
                try:
                    os.killpg(self.pid, sig)
                except (ProcessLookupError, PermissionError):
                    pass
                self._wait(grace)
                end = time.monotonic() + grace
                while session_members(self.pid) and time.monotonic() < end:
                    time.sleep(0.05)
        finally:
            self._alive()
            self.leftover = session_members(self.pid)
            self._stop = True
            self._reader.join(timeout=1)
            try:
                os.close(self.fd)
            except OSError:
                pass
            ACTIVE.discard(self)


def kill_all_active() -> None:
    for s in list(ACTIVE):
        s.stop()


# ---- where the bytes go ---------------------------------------------------------------


def panel_tops(data: bytes) -> dict[str, tuple[int, int]]:
    """(row, column) of each panel's top border, from the titles drawn in the stream."""
    tops = {}
    ms = list(CUP.finditer(data))
    for i, m in enumerate(ms):
        end = ms[i + 1].start() if i + 1 < len(ms) else len(data)
        text = strip_ansi(data[m.end():end])
        for tm in TITLE.finditer(text):
            name = PANEL_TITLES[tm.group(1)]
            col = int(m.group(2)) + len(text[:tm.start()])
            tops.setdefault(name, (int(m.group(1)), col))
    return tops


def regions(chunks: list[tuple[float, bytes]], a: float, b: float, cols: int, rows: int) -> Counter:
    """Bytes read in [a, b) by screen region, attributed by the preceding cursor move."""
    data = b"".join(d for _, d in chunks)
    tops = panel_tops(data)
    lo = sum(len(d) for t, d in chunks if t < a)
    hi = lo + sum(len(d) for t, d in chunks if a <= t < b)
    compact = not (cols >= 120 and rows >= 34)

    def region(r: int, c: int) -> str:
        if r <= 2:
            return "status"
        if r == rows:
            return "footer"
        if compact:
            return "tabs" if r <= 4 else "panel:shown"
        best = None
        for name, (tr, tc) in tops.items():
            if tr <= r and tc <= c and (best is None or (tc, tr) > best[0]):
                best = ((tc, tr), name)
        return f"panel:{best[1]}" if best else "other"

    out: Counter = Counter()
    ms = list(CUP.finditer(data, 0))
    pos, where = lo, "other"
    for m in ms:
        if m.start() <= lo:
            where = region(int(m.group(1)), int(m.group(2)))
            continue
        if m.start() >= hi:
            break
        out[where] += m.start() - pos
        pos, where = m.start(), region(int(m.group(1)), int(m.group(2)))
    out[where] += hi - pos
    return out


def frames(chunks, a: float, b: float, gap: float = 0.008) -> list[int]:
    """Bytes per burst of output (reads less than ``gap`` apart form one frame)."""
    out, last = [], None
    for t, d in chunks:
        if not a <= t < b:
            continue
        if last is None or t - last > gap:
            out.append(0)
        out[-1] += len(d)
        last = t
    return out


# ---- measurements ---------------------------------------------------------------------


class Report:
    def __init__(self):
        self.rows: list[tuple[str, str, str, str, str]] = []   # what, value, target, verdict, command
        self.first_frames: list[tuple[str, float]] = []
        self.leftovers: list[int] = []
        self.sessions = 0
        self.others: list[float] = []          # cores used by other processes, per run

    def add(self, what, value, target, verdict, command):
        self.rows.append((what, value, target, verdict, command))

    def track(self, s: AppSession, ff: float | None) -> None:
        self.sessions += 1
        if ff is not None:
            self.first_frames.append((s.label, ff))


def log(msg: str) -> None:
    print(msg, flush=True)


def cmd_of(s: AppSession) -> str:
    env = "TERM=xterm-256color" + (" COLORTERM=truecolor" if s.truecolor else "")
    return f"{env} rnn-tui{' ' + ' '.join(s.argv[1:]) if len(s.argv) > 1 else ''}  (pty {s.cols}x{s.rows})"


APP_ARGS: tuple = ()


def start(rep: Report, cols: int, rows: int, truecolor: bool = False) -> tuple[AppSession, float]:
    meter = CpuMeter()
    s = AppSession(cols, rows, truecolor, APP_ARGS)
    s.meter = meter
    ff = s.first_frame()
    rep.track(s, ff)
    if ff is None:
        err = s.health()
        s.stop()
        raise RuntimeError(f"no status line within 30 s ({s.label}); {err or ''} output: "
                           f"{strip_ansi(b''.join(d for _, d in s.snapshot()))[-300:]!r}")
    return s, s.t_spawn + ff


def finish(rep: Report, s: AppSession) -> float:
    """Stop the app; returns the cores other processes used meanwhile."""
    s.stop()
    rep.leftovers.extend(s.leftover)
    s.others = s.meter.others()
    rep.others.append(s.others)
    return s.others


def measure_frame(rep: Report, n: int = 3) -> None:
    for _ in range(n):
        s, _ = start(rep, 80, 24)
        finish(rep, s)


def measure_bytes(rep: Report, seconds: float, skip: float = 3.0) -> None:
    for (cols, rows) in ((80, 24), (160, 48)):
        for truecolor in (False, True):
            s, t_ff = start(rep, cols, rows, truecolor)
            try:
                time.sleep(max(0.0, t_ff + skip + seconds + 0.2 - time.monotonic()))
                a, b = t_ff + skip, t_ff + skip + seconds
                chunks = s.snapshot()
                n = s.bytes_between(a, b)
                s.check()
            finally:
                finish(rep, s)
            kib = n / 1024 / seconds
            target = TARGET_KIB[(cols, rows)]
            window = b"".join(d for t, d in chunks if a <= t < b)
            esc = 1 - len(ANSI.sub(b"", window)) / max(1, len(window))
            colour_ok = (b"38;2;" in window or b"48;2;" in window) == truecolor
            fr = frames(chunks, a, b)
            reg = regions(chunks, a, b, cols, rows)
            parts = ", ".join(f"{k} {v / 1024 / seconds:.1f}" for k, v in reg.most_common())
            log(f"  bytes {s.label:<22} {kib:6.1f} KiB/s  ({len(fr) / seconds:.1f} bursts/s, "
                f"median {statistics.median(fr) if fr else 0:.0f} B, max {max(fr, default=0)} B; "
                f"{esc:.0%} escapes{'' if colour_ok else '; COLOUR SYSTEM NOT AS ASKED'}; "
                f"other load {s.others:.2f} cores)")
            log(f"    KiB/s by region: {parts}")
            rep.add(f"bytes/s {s.label}", f"{kib:.1f} KiB/s", f"<= {target:g} KiB/s",
                    "PASS" if kib <= target else "FAIL", cmd_of(s))


def headless(rep: Report, steps: int, timeout: float = 300.0) -> tuple[float, float]:
    """(it/s that ``rnn-tui --headless`` reports, cores it used over its whole run)."""
    meter = CpuMeter()
    ru0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    p = subprocess.Popen([RNN_TUI, "--headless", "--steps", str(steps)], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                         start_new_session=True, text=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except BaseException as e:                  # timeout, ^C, SIGTERM: leave nothing behind
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.communicate()
        if isinstance(e, subprocess.TimeoutExpired):
            raise RuntimeError(f"rnn-tui --headless --steps {steps} took over {timeout:g} s") from None
        raise
    m = HEADLESS_RATE.search(out)
    if not m:
        raise RuntimeError(f"no rate in headless output (exit {p.returncode}): {(out + err)[-300:]!r}")
    rep.others.append(meter.others())
    ru1, t1 = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
    cores = (ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime) / (t1 - t0)
    return float(m.group(3)), cores


def app_rate(rep: Report, seconds: float, skip: float = 3.0,
             size: tuple[int, int] = (80, 24)) -> tuple[float, AppSession, tuple]:
    """it/s with the app open; also the CPU share (cores) of its trainer and UI process."""
    s, t_ff = start(rep, *size)
    a, b = t_ff + skip, t_ff + skip + seconds
    try:
        time.sleep(max(0.0, a - time.monotonic()))
        tp = trainer_pid(s.pid)
        c0 = (time.monotonic(), proc_cpu(tp) if tp else 0.0, proc_cpu(s.pid))
        time.sleep(max(0.0, b - time.monotonic()))
        c1 = (time.monotonic(), proc_cpu(tp) if tp else 0.0, proc_cpu(s.pid))
        time.sleep(0.3)
        samples = s.iteration_samples()
        s.check()
    finally:
        finish(rep, s)
    dt = c1[0] - c0[0]
    shares = ((c1[1] - c0[1]) / dt if tp else float("nan"), (c1[2] - c0[2]) / dt)
    first = next(((t, i) for t, i in samples if t >= a), None)
    last = next(((t, i) for t, i in reversed(samples) if t <= b), None)
    if first is None or last is None or last[0] - first[0] < seconds / 2:
        raise RuntimeError(f"too few status-line samples in the window ({len(samples)} in all)")
    return (last[1] - first[1]) / (last[0] - first[0]), s, shares


def measure_speed(rep: Report, seconds: float, rounds: int = 3, size: tuple[int, int] = (80, 24)) -> None:
    cal, _ = headless(rep, 400)
    steps = max(200, int(cal * seconds))
    log(f"  speed: calibration {cal:.0f} it/s headless -> --steps {steps}")
    apps, heads = [], []
    s = None
    for r in range(rounds):
        rate, s, (trainer, ui) = app_rate(rep, seconds, size=size)
        apps.append(rate)
        rate, cores = headless(rep, steps)
        heads.append(rate)
        log(f"  speed round {r + 1}: app {apps[-1]:.0f} it/s (trainer {trainer:.2f} core = "
            f"{apps[-1] / trainer:.0f} it per trainer CPU-s; UI process {ui:.2f} core; other load "
            f"{s.others:.2f}), headless {heads[-1]:.0f} it/s ({cores:.2f} core; other load "
            f"{rep.others[-1]:.2f}), ratio {apps[-1] / heads[-1]:.2f}")
    ma, mh = statistics.median(apps), statistics.median(heads)
    ratio = ma / mh
    at = f"{size[0]}x{size[1]}"
    rep.add(f"training speed, app open at {at} (median)", f"{ma:.0f} it/s", "-", "info",
            f"{cmd_of(s)}, {seconds:g} s window")
    rep.add("training speed, headless (median)", f"{mh:.0f} it/s", "-", "info",
            f"rnn-tui --headless --steps {steps}")
    rep.add(f"speed ratio app at {at} / headless", f"{ratio:.2f}", f">= {TARGET_SPEED_RATIO:.2f}",
            "PASS" if ratio >= TARGET_SPEED_RATIO else "FAIL",
            f"medians of {rounds} alternated rounds")


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    k = (len(xs) - 1) * q / 100
    f = int(k)
    c = min(f + 1, len(xs) - 1)
    return xs[f] + (xs[c] - xs[f]) * (k - f)


def measure_latency(rep: Report, presses: int = 30, key: str = "l", cols: int = 80, rows: int = 24) -> None:
    rng = random.Random(1)
    s, t_ff = start(rep, cols, rows)
    lat, missed = [], 0
    try:
        if s.wait_for(LOG_OFF, 0, timeout=15) is None:
            s.check()
            raise RuntimeError("the loss plot (y label 'loss') never appeared")
        time.sleep(max(0.0, t_ff + 2.0 - time.monotonic()))
        log_on = False
        for _ in range(presses):
            time.sleep(rng.uniform(0.1, 0.3))
            if key == "l":
                t, idx = s.send(b"l")
                log_on = not log_on
                got = s.wait_for(LOG_ON if log_on else LOG_OFF, idx, timeout=2.0)
            else:
                t, idx = s.send(b"?")
                got = s.wait_for(HELP_OPEN, idx, timeout=2.0)
                time.sleep(0.15)
                _, idx2 = s.send(b"\x1b")
                # the main screen is back when its panel border (title) is redrawn
                s.wait_for(TITLE, idx2, timeout=2.0)
            if got is None:
                s.check()
                missed += 1
            else:
                lat.append((got - t) * 1000)
    finally:
        finish(rep, s)
    if not lat:
        raise RuntimeError("no key press produced the expected change")
    p50, p95 = percentile(lat, 50), percentile(lat, 95)
    log(f"  latency ({key!r}, {len(lat)} presses{f', {missed} MISSED (>2 s)' if missed else ''}): "
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(lat):.1f} ms; other load {s.others:.2f} cores")
    what = "log-y toggle" if key == "l" else "help screen"
    rep.add(f"key latency p50 ({what})", f"{p50:.1f} ms", "-", "info", f"{cmd_of(s)}, key {key!r} x{presses}")
    rep.add(f"key latency p95 ({what})", f"{p95:.1f} ms", f"<= {TARGET_P95_MS:g} ms",
            "PASS" if p95 <= TARGET_P95_MS and not missed else "FAIL",
            f"{missed} missed" if missed else "random 100-300 ms gaps")


def measure_panels(rep: Report, seconds: float, skip: float = 1.5) -> None:
    """Bytes/s at 80x24 with each panel alone on screen (``tab`` cycles them)."""
    s, t_ff = start(rep, 80, 24)
    try:
        time.sleep(max(0.0, t_ff + 3.0 - time.monotonic()))
        for i, panel in enumerate(("loss", "hidden", "predictions", "text", "gradients")):
            if i:
                s.send(b"\t")
            t0 = time.monotonic()
            time.sleep(skip + seconds)
            a, b = t0 + skip, t0 + skip + seconds
            chunks = s.snapshot()
            n = s.bytes_between(a, b)
            reg = regions(chunks, a, b, 80, 24)
            s.check()
            body = sum(v for k, v in reg.items() if k.startswith("panel:"))
            log(f"  panel {panel:<12} {n / 1024 / seconds:6.1f} KiB/s in all, panel body "
                f"{body / 1024 / seconds:5.1f}, status {reg['status'] / 1024 / seconds:4.1f}")
            rep.add(f"bytes/s 80x24, {panel} panel shown", f"{n / 1024 / seconds:.1f} KiB/s", "-", "info",
                    f"{cmd_of(s)}, tab x{i}")
    finally:
        finish(rep, s)


# ---- main ---------------------------------------------------------------------------


def print_table(rep: Report) -> None:
    if rep.first_frames:
        ffs = [v for _, v in rep.first_frames]
        med = statistics.median(ffs)
        rep.rows.insert(0, ("first frame (spawn -> status line)", f"{med:.2f} s", "-", "info",
                            f"median of {len(ffs)} starts, min {min(ffs):.2f} max {max(ffs):.2f}"))
    head = ("measure", "value", "target", "result", "command / note")
    width = [max(len(str(r[i])) for r in [head, *rep.rows]) for i in range(5)]
    line = "  ".join(f"{{:<{w}}}" for w in width)
    print()
    print(line.format(*head))
    print("  ".join("-" * w for w in width))
    for r in rep.rows:
        print(line.format(*r))
    print(f"\n{rep.sessions} app starts; processes left behind: "
          f"{len(rep.leftovers)}{' ' + str(rep.leftovers) if rep.leftovers else ''}")
    if rep.others:
        worst = max(rep.others)
        print(f"other processes used {statistics.median(rep.others):.2f} cores (median of "
              f"{len(rep.others)} runs, worst {worst:.2f}) of {os.cpu_count()}"
              + ("  -> NOISY: the figures are not trustworthy, rerun on a quiet machine"
                 if worst > 0.3 else ""))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0,
                    help="steady-state window for bytes and speed (default 10)")
    ap.add_argument("--only", choices=("frame", "bytes", "speed", "latency", "panels"),
                    help="run one measurement (panels: per-panel bytes, not in the default run)")
    ap.add_argument("--presses", type=int, default=30, help="key presses for latency (default 30)")
    ap.add_argument("--speed-size", default="80x24", metavar="COLSxROWS",
                    help="terminal size of the speed runs (default 80x24, where the Loss panel is the one "
                         "shown; 160x48 shows every panel, the weights panel too)")
    ap.add_argument("--key", choices=("l", "?"), default="l",
                    help="latency key: l toggles log-y (default), ? opens the help screen")
    ap.add_argument("--app-args", default="",
                    help="extra rnn-tui arguments for diagnosis; write it with '=', e.g. "
                         "--app-args=\"--fps 5\" (default: none)")
    args = ap.parse_args()
    try:
        speed_size = tuple(int(v) for v in args.speed_size.lower().split("x"))
        assert len(speed_size) == 2 and min(speed_size) >= 10
    except (ValueError, AssertionError):
        ap.error(f"--speed-size: {args.speed_size!r} is not COLSxROWS, e.g. 160x48")
    global APP_ARGS
    APP_ARGS = tuple(args.app_args.split())

    def _term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, _term)

    print(f"rnn-tui: {RNN_TUI}\ncpus {os.cpu_count()}, load average {os.getloadavg()[0]:.2f} "
          f"{os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    others = other_rnn_tui()
    if others:
        print("WARNING: other rnn-tui processes are running and will skew the figures:")
        for o in others:
            print("  " + o)
    rep = Report()
    t0 = time.monotonic()
    todo = [args.only] if args.only else ["frame", "bytes", "speed", "latency"]
    try:
        for what in todo:
            try:
                if what == "frame":
                    if args.only:                # otherwise every app start below counts
                        measure_frame(rep)
                elif what == "bytes":
                    measure_bytes(rep, args.seconds)
                elif what == "speed":
                    measure_speed(rep, args.seconds, size=speed_size)
                elif what == "latency":
                    measure_latency(rep, args.presses, args.key)
                elif what == "panels":
                    measure_panels(rep, min(args.seconds, 4.0))
            except (RuntimeError, OSError) as e:
                log(f"  {what}: ERROR {e}")
                rep.add(what, "error", "-", "FAIL", str(e)[:100])
    except KeyboardInterrupt:
        print("interrupted")
    finally:
        kill_all_active()
        print_table(rep)
        print(f"total {time.monotonic() - t0:.0f} s, load average now {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    try:
        main()
    except Exception as e:                       # a report: never fail the caller
        import traceback
        traceback.print_exc()
        print(f"benchmark aborted: {e}")
        kill_all_active()
    sys.exit(0)
