"""Soak: the real ``rnn-tui`` trains under a pty for N minutes; RSS of its two processes.

    python bench/soak.py [--minutes 30] [--every 10] [--size 100x30] [--warmup 60]
                         [--module] [--python-opt=-X --python-opt=tracemalloc] [-- APP FLAGS]

The installed console script ``rnn-tui`` (``--module``: ``python -m rnn_tui`` with
this interpreter) starts on a new pty of ``--size`` with ``TERM=xterm-256color``
(the environment bench/app_bench.py gives every app start) and the app flags
after ``--`` (default: none, i.e. the default task, training).  A reader thread
drains the pty all the time, so the app never blocks on output; it keeps only
the first reads (up to the first frame) and a short tail, so a long soak does
not grow this script.

Every ``--every`` seconds it samples, for the UI process (the pty's child) and
the training process (the multiprocessing spawn child in the app's session,
found as bench/app_bench.py finds it, again at each sample in case it was
restarted):

* **RSS**: ``VmRSS`` of ``/proc/PID/status`` (resident set, shared pages
  counted in full), and ``RssAnon`` (its anonymous part: the heap; a leak shows
  here, a page cache of mapped files does not).

MB here means MiB (2**20 bytes), as ``ps``/``top`` report.  The table also
shows the iteration on the status line (training went on) and the bytes the app
wrote.  The summary gives, per process, the growth after ``--warmup`` seconds
(default 60: imports, first allocations, caches filling) to the last sample, in
MB and MB/min, and the least-squares slope over the same samples.  The goal of
issue 10 is under 5 MB over 30 minutes after the first minute.

The app is quit with ``qq`` at the end (SIGTERM, SIGKILL to its session after a
timeout), also on Ctrl-C or SIGTERM to this script; it checks that no process of
the app's session is left.  A report, not a test: it exits 0 unless the app
could not be started (1) or processes were left behind (3).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from app_bench import AppSession, kill_all_active, strip_ansi, trainer_pid  # noqa: E402

MIB = 1 << 20
KEEP_FIRST = 4 << 20          # bytes of output kept from the start (the first frame is in them)
TAIL = 8192                   # bytes kept from the newest output
TRACEBACK = b"Traceback (most recent call last)"
ITERATION = re.compile(r"\w+  it ([\d,]+)")     # the status line: "<task>  it 12,345", any task


class SoakSession(AppSession):
    """An :class:`AppSession` that keeps the first reads and a tail, not every read."""

    def __init__(self, *a, **kw):
        self.kept = 0
        self.total = 0
        self.tail = b""
        self.iteration = -1
        self.traceback = ""
        super().__init__(*a, **kw)

    def _store(self, now: float, data: bytes) -> None:
        self.total += len(data)
        if self.kept < KEEP_FIRST:
            self.chunks.append((now, data))
            self.kept += len(data)
        joined = self.tail[-len(TRACEBACK):] + data
        if not self.traceback and TRACEBACK in joined:
            self.traceback = joined[joined.index(TRACEBACK):].decode("utf-8", "replace")
        elif self.traceback and len(self.traceback) < 4000:
            self.traceback += data.decode("utf-8", "replace")
        self.tail = (self.tail + data)[-TAIL:]
        its = [int(m.group(1).replace(",", "")) for m in ITERATION.finditer(strip_ansi(self.tail))]
        if its:
            self.iteration = max(self.iteration, *its)

    def first_frame(self, timeout: float = 30.0) -> float | None:
        """Seconds from spawn to the first status line of any task, or None."""
        t = self.wait_for(ITERATION, 0, timeout)
        return None if t is None else t - self.t_spawn

    def problem(self) -> str | None:
        """What went wrong in the app, from its output, or None."""
        if self.traceback:
            m = re.search(r"^\s*(\w+(?:Error|Exception|Interrupt)\b[^\r\n\x1b]*)", self.traceback, re.M)
            return f"traceback in the app: {m.group(1) if m else self.traceback[:200]!r}"
        with self.cond:
            tail = self.tail
        if "the training process stopped" in strip_ansi(tail):
            return "the app says: the training process stopped"
        if not self._alive():
            return f"the app exited (wait status {self.status})"
        return None


def memory(pid: int | None) -> tuple[float, float] | None:
    """(VmRSS, RssAnon) of ``pid`` in MiB, or None if it is gone."""
    if pid is None:
        return None
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    kib = dict(re.findall(r"^(VmRSS|RssAnon):\s+(\d+) kB", text, re.M))
    if "VmRSS" not in kib:
        return None                               # a zombie has no memory lines
    return int(kib["VmRSS"]) / 1024, int(kib.get("RssAnon", 0)) / 1024


@dataclass
class Sample:
    t: float                                      # seconds since the first frame
    iteration: int
    written: int                                  # bytes the app wrote so far
    ui: tuple[float, float] | None
    trainer: tuple[float, float] | None
    trainer_pid: int | None


@dataclass
class Soak:
    """What a soak measured."""

    argv: list[str]
    size: tuple[int, int]
    ui_pid: int
    first_frame: float | None
    samples: list[Sample] = field(default_factory=list)
    problem: str | None = None
    leftover: list[int] = field(default_factory=list)
    interrupted: bool = False

    def growth(self, which: str, warmup: float, part: int = 0) -> tuple[float, float, float, int] | None:
        """(MB from the first sample at or after ``warmup`` s to the last, MB/min over
        that span, least-squares slope in MB/min, samples used) of ``which``
        (``"ui"`` or ``"trainer"``; ``part`` 0: VmRSS, 1: RssAnon), or None."""
        pts = [(s.t, getattr(s, which)[part]) for s in self.samples
               if s.t >= warmup and getattr(s, which) is not None]
        if len(pts) < 2 or pts[-1][0] <= pts[0][0]:
            return None
        (t0, m0), (t1, m1) = pts[0], pts[-1]
        mt = sum(t for t, _ in pts) / len(pts)
        mm = sum(m for _, m in pts) / len(pts)
        var = sum((t - mt) ** 2 for t, _ in pts)
        slope = sum((t - mt) * (m - mm) for t, m in pts) / var * 60
        return m1 - m0, (m1 - m0) / (t1 - t0) * 60, slope, len(pts)


def _fmt(m: tuple[float, float] | None, part: int) -> str:
    return f"{m[part]:8.1f}" if m else f"{'-':>8}"


def run(minutes: float, every: float, size: tuple[int, int] = (100, 30), app_args: tuple = (),
        command: tuple = (), out=print, first_frame_timeout: float = 60.0) -> Soak:
    """Start the app, sample every ``every`` s for ``minutes``, stop it; print each
    sample with ``out`` as it is taken (None: silent)."""
    cols, rows = size
    s = SoakSession(cols, rows, args=tuple(app_args), command=tuple(command))
    res = Soak(argv=s.argv, size=size, ui_pid=s.pid, first_frame=None)
    say = out or (lambda *_: None)
    try:
        ff = s.first_frame(timeout=first_frame_timeout)
        res.first_frame = ff
        if ff is None:
            res.problem = (s.problem() or "no status line") + f" within {first_frame_timeout:g} s"
            return res
        t0 = s.t_spawn + ff
        say(f"app pid {s.pid} (UI), first frame after {ff:.2f} s; sampling every {every:g} s "
            f"for {minutes:g} min")
        say(f"{'t s':>7} {'iteration':>10} {'written':>9}  {'UI rss':>8} {'UI anon':>8}  "
            f"{'tr rss':>8} {'tr anon':>8}  trainer pid   (MB = MiB)")
        end = t0 + minutes * 60
        k = 0
        while True:
            tp = trainer_pid(s.pid)
            now = time.monotonic()
            smp = Sample(now - t0, s.iteration, s.total, memory(s.pid), memory(tp), tp)
            res.samples.append(smp)
            say(f"{smp.t:7.0f} {smp.iteration:>10,} {smp.written / MIB:8.1f}M  {_fmt(smp.ui, 0)} "
                f"{_fmt(smp.ui, 1)}  {_fmt(smp.trainer, 0)} {_fmt(smp.trainer, 1)}  {tp or '-'}")
            res.problem = s.problem()
            if res.problem or now >= end:
                break
            k += 1
            time.sleep(max(0.0, min(end, t0 + k * every) - time.monotonic()))
        return res
    except KeyboardInterrupt:
        res.interrupted = True
        return res
    finally:
        s.stop()
        res.leftover = s.leftover


def summary(res: Soak, warmup: float, out=print) -> None:
    out("")
    if res.problem:
        out(f"PROBLEM: {res.problem}")
    if res.interrupted:
        out("interrupted: the series is cut short")
    if len(res.samples) >= 2:
        a, b = res.samples[0], res.samples[-1]
        rate = (b.iteration - a.iteration) / max(b.t - a.t, 1e-9)
        out(f"{len(res.samples)} samples over {b.t - a.t:.0f} s; iterations {a.iteration:,} -> "
            f"{b.iteration:,} ({rate:,.0f} it/s); the app wrote {b.written / MIB:.1f} MiB")
    for which, name in (("ui", "UI process"), ("trainer", "training process")):
        for part, what in ((0, "VmRSS"), (1, "RssAnon")):
            g = res.growth(which, warmup, part)
            if g is None:
                out(f"{name:<17} {what:<8} too few samples after {warmup:g} s")
                continue
            mb, per_min, slope, n = g
            out(f"{name:<17} {what:<8} after {warmup:g} s: {mb:+7.2f} MB, {per_min:+6.3f} MB/min "
                f"(least squares {slope:+6.3f} MB/min, {n} samples)")
    out(f"command: {' '.join(res.argv)}  (pty {res.size[0]}x{res.size[1]}, TERM=xterm-256color)")
    out(f"processes left behind: {len(res.leftover)}{' ' + str(res.leftover) if res.leftover else ''}")


def parse_size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d+)x(\d+)", text.strip())
    if not m or int(m.group(1)) < 10 or int(m.group(2)) < 5:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size COLSxROWS such as 100x30")
    return int(m.group(1)), int(m.group(2))


def positive(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = -1.0
    if not v > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
    return v


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    app_args: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, app_args = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 epilog="app flags go after --, e.g. -- --task subtraction --fps 5")
    ap.add_argument("--minutes", type=positive, default=30.0, help="how long to train (default 30)")
    ap.add_argument("--every", type=positive, default=10.0, help="seconds between samples (default 10)")
    ap.add_argument("--size", type=parse_size, default=(100, 30), help="pty COLSxROWS (default 100x30)")
    ap.add_argument("--warmup", type=float, default=60.0,
                    help="seconds left out of the growth figures (default 60)")
    ap.add_argument("--module", action="store_true",
                    help="start `python -m rnn_tui` with this interpreter instead of the rnn-tui script")
    ap.add_argument("--python-opt", action="append", default=[],
                    help="an interpreter option for --module (repeat it): --python-opt=-X "
                         "--python-opt=tracemalloc")
    args = ap.parse_args(argv)
    if args.python_opt and not args.module:
        ap.error("--python-opt needs --module")
    command = (sys.executable, *args.python_opt, "-m", "rnn_tui") if args.module else ()

    def _term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, _term)
    signal.signal(signal.SIGHUP, _term)
    print(f"cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}", flush=True)
    try:
        res = run(args.minutes, args.every, args.size, tuple(app_args), command,
                  out=lambda m: print(m, flush=True))
    finally:
        kill_all_active()                          # a second ^C inside run()'s cleanup
    summary(res, args.warmup)
    if res.first_frame is None:
        return 1
    return 3 if res.leftover else 0


if __name__ == "__main__":
    sys.exit(main())
