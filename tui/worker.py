"""Training off Textual's event loop: where a :class:`~rnn_tui.core.session.Session` runs.

Two backends run the same session:

* :class:`ProcessBackend` (default): a child process.  Training then never
  competes with rendering for the GIL (``bench/app_bench.py --only speed``
  measures it against headless training).
* :class:`ThreadBackend`: a thread in the app's process.

:class:`ReplayBackend` plays a recording's frames instead.  The UI never blocks on
training: a reader keeps only the newest snapshot (stale ones are dropped, never
queued) and the UI pulls it on its own timer.  Every backend takes the commands of
:mod:`rnn_tui.core.messages` through ``send``.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections import deque

from rnn_tui.core import messages as msg
from rnn_tui.core.heap import mmap_large_blocks
from rnn_tui.core.messages import Event, Update
from rnn_tui.core.session import RunRecipe, Session, tune_process


# ---- backends ---------------------------------------------------------------------


class _Slot:
    """Newest snapshot plus a queue of events; filled by whoever publishes."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latest: Update | None = None
        self.events: deque[Event] = deque(maxlen=50)
        self.seq = 0
        self.gradcheck = None          # newest GradcheckProgress
        self.neurons = None            # newest NeuronReport
        self.probe_refusal = None      # newest ProbeView saying why an input was refused
        self.state = None              # newest StateCopy (what a restart continues from)
        self.runs: list = []           # RunRecords put aside, not yet taken
        self.loading = None            # newest Loading, until the first snapshot
        self.heard = time.monotonic()  # when the last update came (a stopped process sends none)

    def put(self, update: Update) -> None:
        with self.lock:
            self.heard = time.monotonic()
            if update.event is not None:
                self.events.append(update.event)
            if update.snapshot is not None:
                self.latest = update
                self.seq += 1
            if update.gradcheck is not None:
                self.gradcheck = update.gradcheck
            if update.neurons is not None:
                self.neurons = update.neurons
            if update.probe is not None and update.probe.error:
                self.probe_refusal = update.probe
            if update.state is not None:
                self.state = update.state
            if update.loading is not None:
                self.loading = update.loading
            if update.run is not None:
                self.runs.append(update.run)

    def take_runs(self) -> list:
        """The runs put aside since the last call."""
        with self.lock:
            runs, self.runs = self.runs, []
            return runs

    def take(self) -> tuple[Update | None, list[Event], int]:
        with self.lock:
            events = list(self.events)
            self.events.clear()
            return self.latest, events, self.seq


def _recipe(run) -> RunRecipe:
    """A backend is given a recipe, or (tests, --headless callers) a trainer already built."""
    return run if isinstance(run, RunRecipe) else RunRecipe(trainer=run)


def _build(recipe: RunRecipe, publish):
    """The recipe's trainer, or None after publishing why it cannot be built."""
    from rnn_tui.core.checkpoint import CheckpointError
    from rnn_tui.core.config import ConfigError
    from rnn_tui.core.tasks import TaskError

    last = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] >= 0.1 or done >= total:
            last[0] = now
            publish(Update(loading=msg.Loading(stage, done, total)))

    try:
        return recipe.build(progress)
    except (ConfigError, CheckpointError, TaskError) as e:
        publish(Update(event=Event("failed", str(e))))
    except MemoryError:
        publish(Update(event=Event("failed", "not enough memory for this run")))
    return None


def _quiet_child() -> None:
    """The training process never writes on the terminal the app draws on, and
    leaves ctrl+c to the app; its own end comes through the pipe (or a signal)."""
    import os
    import signal

    devnull = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _child_main(recipe, cmd_conn, out_conn, paused, interval, autosave):
    import signal

    _quiet_child()
    tune_process()
    trainer = _build(recipe, out_conn.send)
    if trainer is None:
        return

    def recv(timeout):
        return cmd_conn.recv() if cmd_conn.poll(timeout) else None

    session = Session(trainer, out_conn.send, paused=paused, interval=interval, autosave=autosave)
    for sig in (signal.SIGTERM, signal.SIGHUP):     # the terminal closed, or a kill: autosave first
        signal.signal(sig, lambda *_: setattr(session, "quit", True))
    try:
        session.run(recv)
    except (EOFError, BrokenPipeError, OSError):
        pass                                       # the app is gone
    except Exception as e:  # noqa: BLE001 (a bug of ours: said on screen, not printed over it)
        import traceback

        where = traceback.extract_tb(e.__traceback__)[-1]
        session._say(Event("died", f"internal error {type(e).__name__}: {e} "
                                   f"({where.filename.rsplit('/', 1)[-1]}:{where.lineno})"))
    finally:
        session.close()


def describe_exit(code: int | None) -> str:
    """What a process's exit code says, in words."""
    import signal

    if code is None or code == 0:
        return "stopped"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with status {code}"


class ProcessBackend:
    """Training in a child process (spawned; numpy state never forked).

    ``alive`` turns False, and the slot gets a ``"died"`` event saying how, the
    moment the process is gone (the process is reaped then)."""

    def __init__(self, run, paused: bool = False, interval: float = 0.1, autosave: bool = True):
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        cmd_recv, self._cmd = ctx.Pipe(duplex=False)
        self._out, out_send = ctx.Pipe(duplex=False)
        self.slot = _Slot()
        self.alive = True
        self.failed = False
        self.proc = ctx.Process(target=_child_main, name="rnn-tui-trainer", daemon=True,
                                args=(_recipe(run), cmd_recv, out_send, paused, interval, autosave))
        # Textual swaps sys.stdout/stderr for objects without a real fileno; the
        # spawn machinery needs real ones.
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        try:
            self.proc.start()
        finally:
            sys.stdout, sys.stderr = saved
        cmd_recv.close()
        out_send.close()
        mmap_large_blocks()         # each received snapshot's buffer is freed whole (see core.heap)
        self._reader = threading.Thread(target=self._read, name="rnn-tui-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            while True:
                update = self._out.recv()
                if update.event is not None and update.event.kind == "failed":
                    self.failed = True
                self.slot.put(update)
        except (EOFError, OSError):
            pass
        self.proc.join(timeout=2)                  # reaped: no zombie left behind
        self.alive = False
        if not self.failed and not self._closing:
            self.slot.put(Update(event=Event("died", f"training process {describe_exit(self.proc.exitcode)}")))

    def send(self, cmd) -> None:
        try:
            self._cmd.send(cmd)
        except (OSError, BrokenPipeError):
            self.alive = False

    def stopped(self) -> bool:
        """Whether the process is stopped (``kill -STOP``, ctrl+z on it): Linux's /proc says."""
        try:
            with open(f"/proc/{self.proc.pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] in ("T", "t")
        except (OSError, IndexError):
            return False

    _closing = False

    def close(self, wait: float = 10.0) -> None:
        """Ask the process to stop (it autosaves a run worth keeping first), then make sure."""
        self._closing = True
        self.send(msg.Quit())
        self.proc.join(timeout=wait)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(timeout=1)


class ThreadBackend:
    """Training in a thread of the app's process (its trainer is built at once)."""

    def __init__(self, run, paused: bool = False, interval: float = 0.1, autosave: bool = True):
        self.slot = _Slot()
        self.alive = True
        self.failed = False
        self._q: queue.Queue = queue.Queue()
        trainer = _build(_recipe(run), self.slot.put)
        self.loop = None
        if trainer is None:
            self.alive, self.failed = False, True
            return
        self.loop = Session(trainer, self.slot.put, paused=paused, interval=interval, autosave=autosave)
        self._thread = threading.Thread(target=self._run, name="rnn-tui-trainer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        tune_process()

        def recv(timeout):
            try:
                return self._q.get(timeout=timeout) if timeout else self._q.get_nowait()
            except queue.Empty:
                return None

        try:
            self.loop.run(recv)
        except Exception as e:  # noqa: BLE001 (a bug of ours: said on screen)
            self.slot.put(Update(event=Event("died", f"training thread stopped: {type(e).__name__}: {e}")))
        finally:
            self.alive = False
            self.loop.close()

    def send(self, cmd) -> None:
        self._q.put(cmd)

    def close(self, wait: float = 10.0) -> None:
        if self.loop is not None:
            self.send(msg.Quit())
            self._thread.join(timeout=wait)


class ReplayBackend:
    """Plays a recording's frames instead of training: play/pause, seek, speed.

    ``speed`` is in frames per second (``fps`` at 1×); nothing is recomputed.
    """

    def __init__(self, replayer, paused: bool = False, fps: float = 10.0):
        self.replayer = replayer
        self.slot = _Slot()
        self.alive = True
        self.index = 0
        self.playing = not paused
        self.base_fps = fps
        self.speed = 1.0
        self._q: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="rnn-tui-replay", daemon=True)
        self._thread.start()

    def _publish(self) -> None:
        n = len(self.replayer)
        snap = self.replayer.snapshot(self.index)
        self.slot.put(Update(snapshot=snap, running=self.playing, rate=0.0,
                             replay=(self.index, n, self.speed, self.replayer.rec.truncated)))

    def _run(self) -> None:
        self._publish()
        next_at = time.perf_counter() + 1.0 / (self.base_fps * self.speed)    # frame 1 is shown too
        while True:
            timeout = max(0.0, next_at - time.perf_counter()) if self.playing else 0.1
            try:
                cmd = self._q.get(timeout=timeout)
            except queue.Empty:
                cmd = None
            if cmd is not None:
                if isinstance(cmd, msg.Quit):
                    return
                self._handle(cmd)
                self._publish()
                next_at = time.perf_counter() + 1.0 / (self.base_fps * self.speed)
                continue
            if self.playing and time.perf_counter() >= next_at:
                if self.index < len(self.replayer) - 1:
                    self.index += 1
                    self._publish()
                else:
                    self.playing = False
                    self._publish()
                next_at = time.perf_counter() + 1.0 / (self.base_fps * self.speed)

    def _handle(self, cmd) -> None:
        n = len(self.replayer)
        if isinstance(cmd, msg.Pause):
            self.playing = False
        elif isinstance(cmd, msg.Resume):
            if self.index >= n - 1:
                self.index = 0
            self.playing = True
        elif isinstance(cmd, msg.Seek):
            self.index = max(0, min(n - 1, self.index + cmd.delta))
        elif isinstance(cmd, msg.SeekTo):
            self.index = max(0, min(n - 1, cmd.index))
        elif isinstance(cmd, msg.Speed):
            self.speed = max(1 / 16, min(64.0, self.speed * cmd.factor))

    def send(self, cmd) -> None:
        self._q.put(cmd)

    def close(self) -> None:
        self.send(msg.Quit())
        self._thread.join(timeout=2)


BACKENDS = {"process": ProcessBackend, "thread": ThreadBackend}

