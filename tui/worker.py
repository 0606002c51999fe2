"""Training off Textual's event loop.

:class:`TrainLoop` owns the :class:`~core.trainer.Trainer`.  It takes commands
(tuples such as ``("step", 1)``) and publishes ``Update`` messages: the newest
snapshot, events (checkpoint written, divergence...), and the BPTT step-through
view.  Two backends run the same loop:

* :class:`ProcessBackend` (default): a child process.  Training then never
  competes with rendering for the GIL.  Measured in ``bench/app_speed.py``.
* :class:`ThreadBackend`: a thread in the app's process.

The UI never blocks on training: a reader thread keeps only the newest snapshot
(stale ones are dropped, never queued) and the UI pulls it on its own timer.
"""

from __future__ import annotations

import dataclasses
import os
import queue
import sys
import threading
import time
from collections import deque
from pathlib import Path

import numpy as np

from rnn_tui.core.config import LR_MAX
from rnn_tui.core.heap import keep_freed_memory, mmap_large_blocks
from rnn_tui.tui.messages import Event, Update


def _tune_process() -> None:
    """One BLAS thread (the UI keeps the other core) and a malloc that keeps the
    per-step arrays' memory for the next step (see core.heap)."""
    keep_freed_memory()
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=1)
    except Exception:  # pragma: no cover - threadpoolctl missing or BLAS unknown
        pass


class _Cancelled(Exception):
    """A gradient check was stopped: its screen was closed."""


class TrainLoop:
    """Runs training steps between commands and publishes what the UI needs."""

    def __init__(self, trainer, publish, paused: bool = False, interval: float = 0.1):
        self.trainer = trainer
        self.publish = publish
        self.running = not paused
        self.interval = interval
        self.pending = None            # a prepared iteration while stepping through it
        self.pending_kind = ""         # "bptt" or "forward"
        self.fwd_shown = 0             # forward step-through: timesteps revealed
        self.gradcheck_grad_fn = None  # tests swap in a deliberately wrong backward
        self.neuron_draws = 0          # neuron views drawn so far
        self._recv = lambda timeout: None
        self._backlog: deque = deque()  # commands read ahead while a gradient check ran
        self.quit = False
        self.dirty = True
        self.warning = ""
        self._rate_t, self._rate_it, self.rate = time.perf_counter(), trainer.iteration, 0.0

    # ---- the loop ---------------------------------------------------------------

    def run(self, recv) -> None:
        """``recv(timeout)`` returns the next command or None."""
        self._recv = recv
        last = 0.0
        while not self.quit:
            cmd = self._next(0 if self.running else 0.05)
            while cmd is not None and not self.quit:
                self.handle(cmd)
                cmd = self._next(0)
            if self.quit:
                break
            if self.running:
                self._train_one()
            now = time.perf_counter()
            if self.dirty or (self.running and now - last >= self.interval):
                self._publish_snapshot(now)
                last = now

    def _next(self, timeout: float):
        """The next command: first those read ahead while a long command ran."""
        return self._backlog.popleft() if self._backlog else self._recv(timeout)

    def _cancelled(self) -> bool:
        """Read the commands sent so far (kept for later); True if one cancels the
        long command now running (``gradcheck_cancel``, or ``quit``, which stays queued)."""
        while (cmd := self._recv(0)) is not None:
            if cmd[0] == "gradcheck_cancel":
                return True
            self._backlog.append(cmd)
            if cmd[0] == "quit":
                return True
        return False

    def _train_one(self) -> None:
        from rnn_tui.core.trainer import DivergenceError

        try:
            self.trainer.step()
        except DivergenceError as e:
            self.running = False
            self.warning = str(e)
            self.publish(Update(event=Event("diverged", str(e))))
            self.dirty = True

    def _publish_snapshot(self, now: float) -> None:
        dt = now - self._rate_t
        if dt >= 0.5 or not self.running:
            it = self.trainer.iteration
            self.rate = (it - self._rate_it) / dt if self.running and dt > 0 else 0.0
            self._rate_t, self._rate_it = now, it
        bview = fview = None
        if self.pending is not None and self.pending_kind == "bptt":
            bview = self.trainer.bptt_view(self.pending)
        elif self.pending is not None:
            fview = self.trainer.forward_view(self.pending, self.fwd_shown)
        self.publish(Update(snapshot=self.trainer.snapshot(), running=self.running,
                            rate=self.rate, warning=self.warning, bptt=bview, forward=fview))
        self.dirty = False

    # ---- commands ---------------------------------------------------------------

    def handle(self, cmd: tuple) -> None:
        name, *args = cmd
        getattr(self, f"cmd_{name}")(*args)
        self.dirty = True

    def cmd_quit(self):
        self.quit = True

    def cmd_pause(self):
        self.running = False

    def cmd_resume(self):
        if self.pending is None:
            self.running = True
            self.warning = ""
            self._rate_t, self._rate_it = time.perf_counter(), self.trainer.iteration

    def cmd_step(self, n: int = 1):
        if self.pending is not None:
            return
        self.running = False
        for _ in range(n):
            self._train_one()

    def cmd_resample(self):
        self.trainer.resample()

    def cmd_temperature(self, delta: float):
        """Change the sampling temperature by ``delta`` (kept within 0.1…3) and resample."""
        t = self.trainer.config.temperature
        self.trainer.set_temperature(round(min(3.0, max(0.1, t + delta)), 2))
        self.trainer.resample()

    LR_RANGE = (1e-6, LR_MAX)          # what --lr accepts at most, and a floor that still moves

    def cmd_lr(self, factor: float):
        """Multiply the learning rate by ``factor`` (relative, so quick presses add up),
        kept within :attr:`LR_RANGE`."""
        lo, hi = self.LR_RANGE
        lr = self.trainer.opt.lr * factor
        if not lo <= lr <= hi:
            lr = min(hi, max(lo, lr))
            bound = "maximum" if lr == hi else "minimum"
            self.publish(Update(event=Event("info", f"learning rate stays at its {bound} {lr:g}")))
        self.trainer.set_lr(lr)

    def cmd_save(self, path: str | None = None):
        """Write a checkpoint; without ``path``, named after the task and the
        iteration the trainer is at now (not the one the screen last showed)."""
        from rnn_tui.core import checkpoint

        if path is None:
            path = default_checkpoint_path(self.trainer.config.task, self.trainer.iteration)
        try:
            written = checkpoint.save(self.trainer, path)
        except checkpoint.CheckpointError as e:
            self.publish(Update(event=Event("error", str(e))))
            return
        except OSError as e:
            self.publish(Update(event=Event("error", f"checkpoint not written: {e.strerror or e}")))
            return
        self.publish(Update(event=Event("saved", str(written))))

    def cmd_load(self, path: str):
        from rnn_tui.core import checkpoint

        try:
            trainer = checkpoint.load(path)
        except checkpoint.CheckpointError as e:
            self.publish(Update(event=Event("error", str(e))))
            return
        self._replace(trainer, f"loaded {path} (iteration {trainer.iteration})")

    def cmd_task(self, name: str):
        from rnn_tui.core.config import Config, ConfigError
        from rnn_tui.core.trainer import Trainer

        old = self.trainer.config
        text = old.text if old.task == "charlm" else None
        try:
            trainer = Trainer(Config(task=name, text=text, seed=old.seed, dtype=old.dtype,
                                     temperature=old.temperature, sample_every=old.sample_every))
        except ConfigError as e:
            self.publish(Update(event=Event("error", str(e))))
            return
        self._replace(trainer, f"task: {name}")

    def cmd_reset(self):
        from rnn_tui.core.trainer import Trainer

        cfg = dataclasses.replace(self.trainer.config)
        self._replace(Trainer(cfg), "weights reset")

    def cmd_rollback(self):
        it = self.trainer.rollback()
        if self.trainer.is_language_model:
            self.trainer.resample()               # not the text of the diverged weights
        self.warning = ""
        self.publish(Update(event=Event(
            "info", f"rolled back to iteration {it}; press - to lower the lr")))

    def _replace(self, trainer, message: str):
        if self.pending is not None:
            self.pending = None
        self.trainer = trainer
        self.warning = ""
        self._rate_t, self._rate_it = time.perf_counter(), trainer.iteration
        self.publish(Update(event=Event("info", message)))

    # ---- BPTT step-through ------------------------------------------------------

    def cmd_bptt(self, action: str):
        """``begin``, ``back`` (one timestep further back in time), ``up``,
        ``home`` (no timestep processed), ``end`` (all), ``apply``, ``discard``."""
        from rnn_tui.core.model import BPTT
        from rnn_tui.core.trainer import DivergenceError

        if action == "begin":
            if self.pending is None:
                self._prepare()
            elif self.pending_kind == "forward":      # same example, now backward
                self.pending.bptt = BPTT(self.trainer.spec, self.trainer.params, self.pending.cache)
            if self.pending is not None:
                self.pending_kind = "bptt"
            return
        p = self.pending
        if p is None:
            return
        T = p.bptt.T
        done = T - 1 - p.bptt.next_t
        target = {"back": done + 1, "up": done - 1, "home": 0, "end": T}.get(action)
        if target is not None:
            target = max(0, min(T, target))
            if target < done:
                p.bptt = BPTT(self.trainer.spec, self.trainer.params, p.cache)
                done = 0
            while done < target:
                p.bptt.step()
                done += 1
        elif action == "apply":
            self.pending = None
            try:
                self.trainer.finish(p)
            except DivergenceError as e:
                self.warning = str(e)
        elif action == "discard":
            self.pending = None
            self.trainer.discard(p)


    def _prepare(self) -> None:
        from rnn_tui.core.trainer import DivergenceError

        self.running = False
        try:
            self.pending = self.trainer.prepare()
        except DivergenceError as e:
            self.warning = str(e)

    # ---- forward step-through -----------------------------------------------------

    def cmd_forward(self, action: str):
        """``begin``, ``next`` (reveal t+1), ``prev``, ``home``, ``end``, ``discard``."""
        if action == "begin":
            if self.pending is None:
                self._prepare()
            if self.pending is not None:
                self.pending_kind = "forward"
                self.fwd_shown = 0
            return
        if self.pending is None or self.pending_kind != "forward":
            return
        T = self.pending.bptt.T
        if action == "discard":
            self.trainer.discard(self.pending)
            self.pending = None
            return
        self.fwd_shown = {"next": self.fwd_shown + 1, "prev": self.fwd_shown - 1,
                          "home": 0, "end": T}.get(action, self.fwd_shown)
        self.fwd_shown = max(0, min(T, self.fwd_shown))

    # ---- gradient check and neurons ----------------------------------------------------

    def cmd_gradcheck(self, entries: int = 8):
        """Numerical check of the BPTT gradients on the current weights and the next
        example (or the one being stepped through); nothing is trained."""
        from rnn_tui.core.gradcheck import gradcheck
        from rnn_tui.tui.messages import GradcheckProgress

        own = self.pending is None
        was_running = self.running
        if own:
            self._prepare()
            if self.pending is None:            # the next example's loss is not finite
                self.publish(Update(gradcheck=GradcheckProgress(
                    True, 0, 0, (), error=f"{self.warning or 'no example'}; roll back (z) first")))
                return
        p = self.pending
        tr = self.trainer
        total = sum(min(entries, v.size) for v in tr.params.values())
        last = [0.0]

        def progress(done, tot):
            if self._cancelled():               # the check's screen was closed (or the app quits)
                raise _Cancelled
            now = time.perf_counter()
            if now - last[0] > 0.1:
                last[0] = now
                self.publish(Update(gradcheck=GradcheckProgress(False, done, tot)))

        self.publish(Update(gradcheck=GradcheckProgress(False, 0, total)))
        try:
            res = gradcheck(tr.spec, tr.params, p.cache.x, p.cache.y, p.cache.h0, p.cache.mask,
                            entries=entries, rng=np.random.default_rng(tr.iteration),
                            grad_fn=self.gradcheck_grad_fn, progress=progress)
            out = GradcheckProgress(True, total, total, tuple(res))
        except _Cancelled:
            out = None                          # its screen is gone: nothing to show
        except Exception as e:  # reported on screen, never kills the worker
            out = GradcheckProgress(True, 0, total, (), error=f"{type(e).__name__}: {e}")
        if own:
            tr.discard(p)
            self.pending = None
            self.running = was_running          # a check does not pause training for good
        if out is not None:
            self.publish(Update(gradcheck=out))

    def cmd_gradcheck_cancel(self):
        """Closing the check's screen after it finished: nothing to stop."""

    def cmd_neurons(self):
        from rnn_tui.core.neurons import neuron_report

        if not hasattr(self.trainer.task, "data"):
            self.publish(Update(event=Event("error", "the neuron view needs a character model (task charlm)")))
            return
        report = neuron_report(self.trainer, draw=self.neuron_draws)
        self.neuron_draws += 1                  # r in the neuron view: a new sample even while paused
        self.publish(Update(neurons=report))


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
    _tune_process()

    def recv(timeout):
        return cmd_conn.recv() if cmd_conn.poll(timeout) else None

    loop = TrainLoop(trainer, out_conn.send, paused=paused, interval=interval)
    try:
        loop.run(recv)
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
        mmap_large_blocks()         # each received snapshot's buffer is freed whole (see core.heap)
        self._reader = threading.Thread(target=self._read, name="rnn-tui-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            while True:
                self.slot.put(self._out.recv())
        except (EOFError, OSError):
            self.alive = False
            self.slot.put(Update(event=Event("error", "the training process stopped")))

    def send(self, *cmd) -> None:
        try:
            self._cmd.send(cmd)
        except (OSError, BrokenPipeError):
            self.alive = False

    def close(self) -> None:
        self.send("quit")
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
        self.loop = TrainLoop(trainer, self.slot.put, paused=paused, interval=interval)
        self._thread = threading.Thread(target=self._run, name="rnn-tui-trainer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        _tune_process()

        def recv(timeout):
            try:
                return self._q.get(timeout=timeout) if timeout else self._q.get_nowait()
            except queue.Empty:
                return None

        self.loop.run(recv)

    def send(self, *cmd) -> None:
        self._q.put(cmd)

    def close(self) -> None:
        self.send("quit")
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
                name, *args = cmd
                if name == "quit":
                    return
                self._handle(name, *args)
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

    def _handle(self, name: str, *args) -> None:
        n = len(self.replayer)
        if name == "pause":
            self.playing = False
        elif name == "resume":
            if self.index >= n - 1:
                self.index = 0
            self.playing = True
        elif name == "seek":
            self.index = max(0, min(n - 1, self.index + int(args[0])))
        elif name == "seek_to":
            self.index = max(0, min(n - 1, int(args[0])))
        elif name == "speed":
            self.speed = max(1 / 16, min(64.0, self.speed * float(args[0])))

    def send(self, *cmd) -> None:
        self._q.put(cmd)

    def close(self) -> None:
        self.send("quit")
        self._thread.join(timeout=2)


BACKENDS = {"process": ProcessBackend, "thread": ThreadBackend}


def default_checkpoint_path(task: str, iteration: int) -> str:
    return str(Path.cwd() / f"rnn-tui-{task}-it{iteration}.npz")
