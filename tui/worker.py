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
from rnn_tui.core.messages import Event, Update
from rnn_tui.core.session import Session, tune_process


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

    def put(self, update: Update) -> None:
        with self.lock:
            if update.event is not None:
                self.events.append(update.event)
            if update.snapshot is not None:
                self.latest = update
                self.seq += 1
            if update.gradcheck is not None:
                self.gradcheck = update.gradcheck
            if update.neurons is not None:
                self.neurons = update.neurons

    def take(self) -> tuple[Update | None, list[Event], int]:
        with self.lock:
            events = list(self.events)
            self.events.clear()
            return self.latest, events, self.seq


def _child_main(trainer, cmd_conn, out_conn, paused, interval):
    tune_process()

    def recv(timeout):
        return cmd_conn.recv() if cmd_conn.poll(timeout) else None

    session = Session(trainer, out_conn.send, paused=paused, interval=interval)
    try:
        session.run(recv)
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        pass


class ProcessBackend:
    """Training in a child process (spawned; numpy state never forked)."""

    def __init__(self, trainer, paused: bool = False, interval: float = 0.1):
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        cmd_recv, self._cmd = ctx.Pipe(duplex=False)
        self._out, out_send = ctx.Pipe(duplex=False)
        self.slot = _Slot()
        self.alive = True
        self.proc = ctx.Process(target=_child_main, name="rnn-tui-trainer", daemon=True,
                                args=(trainer, cmd_recv, out_send, paused, interval))
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
        self._reader = threading.Thread(target=self._read, name="rnn-tui-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            while True:
                self.slot.put(self._out.recv())
        except (EOFError, OSError):
            self.alive = False
            self.slot.put(Update(event=Event("error", "the training process stopped")))

    def send(self, cmd) -> None:
        try:
            self._cmd.send(cmd)
        except (OSError, BrokenPipeError):
            self.alive = False

    def close(self) -> None:
        self.send(msg.Quit())
        self.proc.join(timeout=2)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(timeout=1)


class ThreadBackend:
    """Training in a thread of the app's process."""

    def __init__(self, trainer, paused: bool = False, interval: float = 0.1):
        self.slot = _Slot()
        self.alive = True
        self._q: queue.Queue = queue.Queue()
        self.loop = Session(trainer, self.slot.put, paused=paused, interval=interval)
        self._thread = threading.Thread(target=self._run, name="rnn-tui-trainer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        tune_process()

        def recv(timeout):
            try:
                return self._q.get(timeout=timeout) if timeout else self._q.get_nowait()
            except queue.Empty:
                return None

        self.loop.run(recv)

    def send(self, cmd) -> None:
        self._q.put(cmd)

    def close(self) -> None:
        self.send(msg.Quit())
        self._thread.join(timeout=2)


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

