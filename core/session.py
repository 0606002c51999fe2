"""A training session: a :class:`~rnn_tui.core.trainer.Trainer` driven by commands.

:class:`Session` trains between commands and publishes what a UI needs
(:mod:`rnn_tui.core.messages`): the newest snapshot on a clock, events, the
step-through views, a gradient check's progress, the neuron report.  It imports no
UI library; the app runs it in a child process or a thread (``tui/worker.py``).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import time
import uuid
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnn_tui.core import messages as msg
from rnn_tui.core.config import LR_MAX, Config
from rnn_tui.core.dynamics import Dynamics
from rnn_tui.core.heap import keep_freed_memory
from rnn_tui.core.messages import Event, GradcheckProgress, StateCopy, Update
from rnn_tui.core.trainer import DivergenceError, plain_numbers


def tune_process() -> None:
    """One BLAS thread (the UI keeps the other core) and a malloc that keeps the
    per-step arrays' memory for the next step (see :mod:`core.heap`)."""
    keep_freed_memory()
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=1)
    except Exception:  # pragma: no cover - threadpoolctl missing or BLAS unknown
        pass


@dataclass
class RunRecipe:
    """How a session gets its trainer.  It is built where the session runs (the
    training process), so that a large corpus is read and held there only, never by
    the UI.  One of: a trainer already built (``trainer``), a checkpoint to continue
    (``load``, with ``text`` and ``lr`` as ``--load`` takes them), or settings
    (``config``), continued from ``state`` (a ``state_dict``) when given."""

    config: Config | None = None
    load: str | None = None
    text: str | None = None
    lr: float | None = None
    state: dict | None = None
    trainer: object | None = None
    run_id: str | None = None          # the run a loaded checkpoint goes on as (a restart of a branch)

    def build(self, progress=None):
        """The trainer (raises ``ConfigError`` or ``CheckpointError`` with a message for the user)."""
        from rnn_tui.core import checkpoint
        from rnn_tui.core.trainer import Trainer

        if self.trainer is not None:
            return self.trainer
        if self.load:
            trainer = checkpoint.load(self.load, text=self.text, progress=progress)
            if self.run_id:
                trainer.run_id = self.run_id
        else:
            trainer = Trainer(self.config, read_init=self.state is None, progress=progress)
            if self.state is not None:
                trainer.load_state_dict(self.state)
        if self.lr is not None:
            trainer.set_lr(self.lr)
        return trainer


def default_checkpoint_path(task: str, iteration: int, folder: str | None = None) -> str:
    return str(Path(folder or Path.cwd()) / f"rnn-tui-{task}-it{iteration}.npz")


class _Cancelled(Exception):
    """A gradient check was stopped: its screen was closed."""


@dataclass
class _Probing:
    """A probe being shown: what was typed, its batch, whether training ran before
    (it runs again when the probe is left), its full-BPTT ‖dh_t‖, and how many
    training steps were applied on it."""

    text: str
    batch: object
    was_running: bool
    dh_norm: np.ndarray | None = None
    applied: int = 0
    draw: int = 0


class Session:
    """Runs training steps between commands and publishes what the UI needs."""

    LR_RANGE = (1e-6, LR_MAX)          # what --lr accepts at most, and a floor that still moves
    STATE_EVERY = 5.0                  # seconds between the state copies the UI keeps (for a restart)
    STATE_MAX = 64 << 20               # bytes: a larger state is left to the autosaves
    DYNAMICS_EVERY = 0.5               # seconds between the weights panel's samples while training
    POLL_EVERY = 0.002                 # seconds between two reads of the commands while training

    def __init__(self, trainer, publish, paused: bool = False, interval: float = 0.1,
                 autosave: bool = True):
        from rnn_tui.core.autosave import Autosaver

        self.trainer = trainer
        self.autosaver = Autosaver(enabled=autosave)
        self.publish = publish
        self.running = not paused
        self.interval = interval
        self.pending = None            # a prepared iteration while stepping through it
        self.pending_kind = ""         # "bptt" or "forward"
        self.fwd_shown = 0             # forward step-through: timesteps revealed
        self.gradcheck_grad_fn = None  # tests swap in a deliberately wrong backward
        self.neuron_draws = 0          # neuron views drawn so far
        self.probing: _Probing | None = None   # a probe on screen (self.pending is its example)
        self.views = msg.Views()       # the optional figures the UI shows now
        self.dynamics = Dynamics()     # the weights panel's samples (taken only while it is on screen)
        self._dyn_at = -self.DYNAMICS_EVERY
        self._recv = lambda timeout: None
        self._backlog: deque = deque()  # commands read ahead while a gradient check ran
        self.quit = False
        self.dirty = True
        self.warning = ""
        self._rate_t, self._rate_it, self.rate = time.perf_counter(), trainer.iteration, 0.0
        self._state_at, self._state_it = time.perf_counter() - self.STATE_EVERY / 2, -1   # first after 2.5 s
        self._run_ids = {trainer.run_id}   # every run this session has had (the UI's runs list)

    # ---- the loop ---------------------------------------------------------------

    def run(self, recv) -> None:
        """``recv(timeout)`` returns the next command or None."""
        self._recv = recv
        last = now = listened = 0.0
        while not self.quit:
            # while training, the commands are read every POLL_EVERY s, not between every two
            # steps (a poll of the pipe costs about 1 % of a step)
            if not self.running or now - listened >= self.POLL_EVERY:
                listened = now
                cmd = self._next(0 if self.running else 0.05)
                while cmd is not None and not self.quit:
                    self.handle(cmd)
                    cmd = self._next(0)
                if self.quit:
                    break
            if self.running:
                self._train_one()
                if self.running and self.autosaver.due(self.trainer):     # (not just diverged)
                    self._autosave()
            now = time.perf_counter()
            if self.dirty or (self.running and now - last >= self.interval):
                self._publish_snapshot(now)
                last = now
            if now - self._state_at >= self.STATE_EVERY:
                self._publish_state(now)

    def _publish_state(self, now: float) -> None:
        """A copy of the run's state for the UI (which restarts from it if this process dies)."""
        self._state_at = now
        tr = self.trainer
        if tr.iteration == self._state_it or self.pending is not None:
            return
        state = tr.state_dict()
        if sum(a.nbytes for a in state["arrays"].values()) <= self.STATE_MAX:
            self._state_it = tr.iteration
            self.publish(Update(state=StateCopy(tr.iteration, tr.run_id,
                                                {**dataclasses.asdict(tr.current_config())}, state)))

    def record(self) -> msg.RunRecord:
        """The current run, put aside: what the runs list shows and what resumes it."""
        tr = self.trainer
        return msg.RunRecord(tr.run_id, tr.task.name, dataclasses.asdict(tr.current_config()), tr.iteration,
                             tr.train_seconds, plain_numbers(tr.metrics), tuple(tr.history.arrays()),
                             tuple(tr.marks), tr.state_dict())

    def close(self) -> None:
        """The session ends (quit, or its UI is gone): a run worth keeping is autosaved."""
        if self.autosaver.final(self.trainer):
            self._autosave()

    def _autosave(self) -> None:
        from rnn_tui.core.checkpoint import CheckpointError

        try:
            path = self.autosaver.save(self.trainer)
        except (OSError, CheckpointError) as e:
            self._say(Event("error", f"autosave failed: {getattr(e, 'strerror', None) or e}"))
        else:
            self._say(Event("autosaved", str(path)))

    def _say(self, event: Event) -> None:
        """Publish an event; a UI that is already gone is not an error."""
        try:
            self.publish(Update(event=event))
        except (OSError, EOFError, ValueError):
            pass

    def _next(self, timeout: float):
        """The next command: first those read ahead while a long command ran."""
        return self._backlog.popleft() if self._backlog else self._recv(timeout)

    def _cancelled(self) -> bool:
        """Read the commands sent so far (kept for later); True if one cancels the
        long command now running (:class:`GradcheckCancel`, or :class:`Quit`, which stays queued)."""
        while (cmd := self._recv(0)) is not None:
            if isinstance(cmd, msg.GradcheckCancel):
                return True
            self._backlog.append(cmd)
            if isinstance(cmd, msg.Quit):
                return True
        return False

    def _train_one(self) -> None:
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
        bview = fview = pview = None
        if self.pending is not None and self.pending_kind == "bptt":
            bview = self.trainer.bptt_view(self.pending)
        elif self.pending is not None and self.pending_kind == "forward":
            fview = self.trainer.forward_view(self.pending, self.fwd_shown)
        pr = self.probing
        if pr is not None:
            from rnn_tui.core.probe import probe_view

            snap = self.trainer.snapshot(example=self.pending, dh_norm=pr.dh_norm)
            pview = probe_view(self.trainer, self.pending, pr.text, pr.draw, pr.applied)
            if pview.continuation:
                snap = dataclasses.replace(snap, sample=pr.text + pview.continuation)
        else:
            snap = self.trainer.snapshot(sample=self.views.text)
        self.publish(Update(snapshot=snap, running=self.running, rate=self.rate, warning=self.warning,
                            bptt=bview, forward=fview, probe=pview, dynamics=self._dynamics(now)))
        self.dirty = False

    def _dynamics(self, now: float):
        """The weights panel's figures, while it is on screen: a new sample at most
        every :attr:`DYNAMICS_EVERY` seconds of training (none per step)."""
        if not self.views.weights:
            return None
        if now - self._dyn_at >= self.DYNAMICS_EVERY or not self.running:
            self._dyn_at = now
            self.dynamics.sample(self.trainer, self.views.layer)
        return self.dynamics.view(self.trainer, self.views.layer)

    # ---- commands ---------------------------------------------------------------

    def handle(self, cmd) -> None:
        """Carry out one command (a dataclass of :mod:`core.messages`); the next
        snapshot goes out at once."""
        self._dispatch(cmd)
        self.dirty = True

    @functools.singledispatchmethod
    def _dispatch(self, cmd) -> None:
        raise TypeError(f"not a session command: {cmd!r}")

    @_dispatch.register
    def _quit(self, cmd: msg.Quit) -> None:
        self.quit = True

    @_dispatch.register
    def _pause(self, cmd: msg.Pause) -> None:
        self.running = False

    @_dispatch.register
    def _resume(self, cmd: msg.Resume) -> None:
        if self.pending is None:
            self.running = True
            self.warning = ""
            self._rate_t, self._rate_it = time.perf_counter(), self.trainer.iteration

    @_dispatch.register
    def _step(self, cmd: msg.Step) -> None:
        if self.pending is None:
            self.running = False
            for _ in range(cmd.n):
                self._train_one()

    @_dispatch.register
    def _resample(self, cmd: msg.Resample) -> None:
        self.trainer.resample()

    @_dispatch.register
    def _temperature(self, cmd: msg.Temperature) -> None:
        """Change the sampling temperature (kept within 0.1…3) and resample."""
        t = self.trainer.config.temperature
        self.trainer.set_temperature(round(min(3.0, max(0.1, t + cmd.delta)), 2))
        self.trainer.resample()

    @_dispatch.register
    def _scale_lr(self, cmd: msg.ScaleLr) -> None:
        """Relative, so quick presses add up; kept within :attr:`LR_RANGE`."""
        lo, hi = self.LR_RANGE
        lr = self.trainer.lr * cmd.factor
        if not lo <= lr <= hi:
            lr = min(hi, max(lo, lr))
            bound = "maximum" if lr == hi else "minimum"
            self.publish(Update(event=Event("info", f"learning rate stays at its {bound} {lr:g}")))
        self.trainer.set_lr(lr)

    @_dispatch.register
    def _save(self, cmd: msg.Save) -> None:
        """Without a path, named after the task and the iteration the trainer is at
        now (not the one the screen last showed)."""
        from rnn_tui.core import checkpoint

        path = cmd.path or default_checkpoint_path(self.trainer.task.name, self.trainer.iteration, cmd.folder)
        try:
            written = checkpoint.save(self.trainer, path)
        except checkpoint.CheckpointError as e:
            self.publish(Update(event=Event("error", str(e))))
        except OSError as e:
            self.publish(Update(event=Event("error", f"checkpoint not written: {e.strerror or e}")))
        else:
            self.trainer.saved = (str(written), self.trainer.iteration)
            self.publish(Update(event=Event("saved", str(written))))

    @_dispatch.register
    def _load(self, cmd: msg.Load) -> None:
        from rnn_tui.core import checkpoint

        try:
            trainer = checkpoint.load(cmd.path)
        except checkpoint.CheckpointError as e:
            self.publish(Update(event=Event("error", str(e))))
        else:
            said = f"loaded {cmd.path} (iteration {trainer.iteration})"
            if trainer.run_id in self._run_ids:
                # a checkpoint of a run this session has had goes on as a branch of its own: the
                # run it came from keeps its row in the runs list, and its autosave
                old, trainer.run_id = trainer.run_id, uuid.uuid4().hex[:8]
                trainer.mark(f"branch of run {old}")
                said += f": a branch of run {old}, kept apart from it"
            self._replace(trainer, said)

    @_dispatch.register
    def _switch_task(self, cmd: msg.SwitchTask) -> None:
        from rnn_tui.core.config import Config, ConfigError
        from rnn_tui.core.tasks import task_class
        from rnn_tui.core.trainer import Trainer

        old = self.trainer.config
        keep_text = "text" in task_class(cmd.name).options and "text" in self.trainer.task.options
        try:
            trainer = Trainer(Config(task=cmd.name, text=old.text if keep_text else None, seed=old.seed,
                                     dtype=old.dtype, temperature=old.temperature,
                                     sample_every=old.sample_every))
        except ConfigError as e:
            self.publish(Update(event=Event("error", str(e))))
        else:
            self._replace(trainer, f"task: {cmd.name}")

    @_dispatch.register
    def _reset(self, cmd: msg.Reset) -> None:
        from rnn_tui.core.trainer import Trainer

        self._replace(Trainer(self.trainer.current_config()), "weights reset")

    @_dispatch.register
    def _change_settings(self, cmd: msg.ChangeSettings) -> None:
        """The settings a run can change as it goes, from its next step, with a mark."""
        tr, changes = self.trainer, dict(cmd.changes)
        unknown = set(changes) - {"lr", "clip_mode", "clip", "temperature", "sample_every"}
        if unknown:
            raise ValueError(f"not settings a run can change as it goes: {', '.join(sorted(unknown))}")
        if "lr" in changes:
            tr.set_lr(changes.pop("lr"))
        if changes:
            tr.config = dataclasses.replace(tr.config, **changes)
        said = ", ".join(f"{k.replace('_', ' ')} {v:g}" if isinstance(v, float) else f"{k.replace('_', ' ')} {v}"
                         for k, v in cmd.changes.items())
        tr.mark(said)
        if {"temperature", "sample_every"} & set(cmd.changes) and tr.is_language_model:
            tr.resample()
        self.publish(Update(event=Event("info", f"from iteration {tr.iteration + 1}: {said}")))

    @_dispatch.register
    def _new_run(self, cmd: msg.NewRun) -> None:
        from rnn_tui.core.config import ConfigError
        from rnn_tui.core.trainer import Trainer

        try:
            trainer = Trainer(Config(**cmd.config))
        except ConfigError as e:
            self.publish(Update(event=Event("error", str(e))))
        else:
            old, new = dataclasses.asdict(self.trainer.config), dataclasses.asdict(trainer.config)
            shown = {**new, "text": Path(new["text"]).name if new.get("text") else new.get("text")}
            changed = ", ".join(f"{k.replace('_', ' ')} {shown[k]:g}" if isinstance(shown[k], float)
                                else f"{k.replace('_', ' ')} {shown[k]}" for k in new if new[k] != old.get(k) and new[k] is not None)
            self._replace(trainer, f"a new run with {changed or 'the same settings'} "
                                   "(the last one is in the runs list, x)")

    @_dispatch.register
    def _resume_run(self, cmd: msg.ResumeRun) -> None:
        from rnn_tui.core.trainer import Trainer

        rec = cmd.run
        trainer = Trainer(Config(**rec.config), read_init=False)
        trainer.load_state_dict(rec.state)
        self._replace(trainer, f"back to the {rec.task} run {rec.run_id} at iteration {rec.iteration:,}")

    @_dispatch.register
    def _rollback(self, cmd: msg.Rollback) -> None:
        it = self.trainer.rollback()
        self.dynamics.reset()                     # the weights panel's figures were of the diverged weights
        self._dyn_at = -self.DYNAMICS_EVERY       # and the restored ones are sampled at once
        if self.trainer.is_language_model:
            self.trainer.resample()               # not the text of the diverged weights
        self.warning = ""
        self.publish(Update(event=Event("info", f"rolled back to iteration {it}; press - to lower the lr")))

    def _replace(self, trainer, message: str) -> None:
        if self.autosaver.final(self.trainer):  # the run it replaces, if it is worth keeping
            self._autosave()
        if self.pending is not None:            # a step-through's example goes back first
            self.trainer.discard(self.pending)
        self.publish(Update(run=self.record()))   # the UI keeps it in its runs list
        self.pending = None
        self.probing = None
        self.dynamics.reset()
        self.trainer = trainer
        self._run_ids.add(trainer.run_id)
        self.warning = ""
        self._rate_t, self._rate_it = time.perf_counter(), trainer.iteration
        self.publish(Update(event=Event("info", message)))

    # ---- step-throughs -----------------------------------------------------------

    def _prepare(self) -> None:
        self.running = False
        try:
            self.pending = self.trainer.prepare()
        except DivergenceError as e:
            self.warning = str(e)

    @_dispatch.register
    def _bptt(self, cmd: msg.Bptt) -> None:
        p = self.pending
        if cmd.move == "begin":
            if p is None:
                self._prepare()
            elif self.pending_kind in ("forward", "probe"):   # same example, now backward
                self.trainer.restart_bptt(p)
            if self.pending is not None:
                self.pending_kind = "bptt"
        elif p is not None and cmd.move == "apply":
            self.pending = None
            try:
                self.trainer.finish(p)
            except DivergenceError as e:
                self.warning = str(e)
                self.probing = None
            else:
                if self.probing is not None:
                    self._probe_applied(p)
        elif p is not None and cmd.move == "discard":
            if self.probing is not None:              # back to the probe, its example kept
                self.trainer.restart_bptt(p)
                self.pending_kind = "probe"
                return
            self.pending = None
            self.trainer.discard(p)
        elif p is not None and self.pending_kind == "bptt":
            T = p.bptt.T
            done = T - 1 - p.bptt.next_t
            target = max(0, min(T, {"back": done + 1, "undo": done - 1, "none": 0, "all": T}[cmd.move]))
            if target < done:                         # the stepper only goes back in time
                self.trainer.restart_bptt(p)
                done = 0
            while done < target:
                p.bptt.step()
                done += 1

    @_dispatch.register
    def _forward(self, cmd: msg.Forward) -> None:
        if cmd.move == "begin":
            if self.pending is None:
                self._prepare()
            if self.pending is not None:
                self.pending_kind = "forward"
                self.fwd_shown = 0
        elif self.pending is not None and self.pending_kind == "forward":
            if cmd.move == "discard" and self.probing is not None:
                self.pending_kind = "probe"           # back to the probe, its example kept
            elif cmd.move == "discard":
                self.trainer.discard(self.pending)
                self.pending = None
            else:
                T = self.pending.bptt.T
                shown = {"next": self.fwd_shown + 1, "prev": self.fwd_shown - 1, "none": 0, "all": T}[cmd.move]
                self.fwd_shown = max(0, min(T, shown))

    # ---- probe and the weights panel ----------------------------------------------------

    @_dispatch.register
    def _probe(self, cmd: msg.Probe) -> None:
        """Show the network on ``cmd.text`` (refused in one line if it does not fit the
        task); training pauses, and goes on where it was when the probe is left."""
        from rnn_tui.core.probe import ProbeView, probe_batch
        from rnn_tui.core.tasks import TaskError

        try:
            batch = probe_batch(self.trainer.task, cmd.text)
        except TaskError as e:
            self.publish(Update(probe=ProbeView(text=cmd.text, error=str(e))))
            return
        was_running = self.running if self.probing is None else self.probing.was_running
        if self.pending is not None:                  # another probe, or a step-through, gives way
            self.trainer.discard(self.pending)
            self.pending = None
        self.running = False
        try:
            self.pending = self.trainer.prepare(batch)
        except DivergenceError as e:
            self.publish(Update(probe=ProbeView(text=cmd.text, error=f"{e}; roll back (z) first")))
            self.probing = None
            self.running = was_running
            return
        draw = self.probing.draw + 1 if self.probing is not None else 0
        self.probing = _Probing(cmd.text, batch, was_running, draw=draw)
        self.probing.dh_norm = self.trainer.full_dh_norm(self.pending)
        self.pending_kind = "probe"

    def _probe_applied(self, done) -> None:
        """One training step was applied on the probed example: show it again, as the
        new weights see it, and say what the step did to its loss."""
        pr = self.probing
        before = done.cache.loss
        self.pending = self.trainer.prepare(pr.batch)
        self.pending_kind = "probe"
        pr.applied += 1
        pr.dh_norm = self.trainer.full_dh_norm(self.pending)
        self.publish(Update(event=Event("info", f"your input's loss {before:.4g} → {self.pending.cache.loss:.4g} "
                                                f"after one step on it (iteration {self.trainer.iteration:,})")))

    @_dispatch.register
    def _leave_probe(self, cmd: msg.LeaveProbe) -> None:
        pr = self.probing
        if pr is None:
            return
        if self.pending is not None:
            self.trainer.discard(self.pending)
        self.pending, self.probing = None, None
        self.running = pr.was_running and not self.warning
        self._rate_t, self._rate_it = time.perf_counter(), self.trainer.iteration

    @_dispatch.register
    def _views(self, cmd: msg.Views) -> None:
        if cmd.layer != self.views.layer:
            self.dynamics.reset()                     # its series are of one layer's Whh
        if cmd.text and not self.views.text:
            self.dirty = True                         # the text panel is back: a snapshot with the sample due
        self.views = cmd

    # ---- gradient check and neurons ----------------------------------------------------

    @_dispatch.register
    def _gradcheck(self, cmd: msg.Gradcheck) -> None:
        """Numerical check of the BPTT gradients on the current weights and the next
        example (or the one being stepped through); nothing is trained."""
        from rnn_tui.core.gradcheck import gradcheck

        own = self.pending is None
        was_running = self.running
        if own:
            self._prepare()
            if self.pending is None:            # the next example's loss is not finite
                self.publish(Update(gradcheck=GradcheckProgress(
                    True, 0, 0, (), error=f"{self.warning or 'no example'}; roll back (z) first")))
                return
        p, tr = self.pending, self.trainer
        total = sum(min(cmd.entries, v.size) for v in tr.params.values())
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
                            entries=cmd.entries, rng=np.random.default_rng(tr.iteration),
                            grad_fn=self.gradcheck_grad_fn, progress=progress)
            out = GradcheckProgress(True, total, total, tuple(res))
        except _Cancelled:
            out = None                          # its screen is gone: nothing to show
        except Exception as e:  # reported on screen, never kills the session
            out = GradcheckProgress(True, 0, total, (), error=f"{type(e).__name__}: {e}")
        if own:
            tr.discard(p)
            self.pending = None
            self.running = was_running          # a check does not pause training for good
        if out is not None:
            self.publish(Update(gradcheck=out))

    @_dispatch.register
    def _gradcheck_cancel(self, cmd: msg.GradcheckCancel) -> None:
        """Closing the check's screen after it finished: nothing to stop."""

    @_dispatch.register
    def _neurons(self, cmd: msg.Neurons) -> None:
        from rnn_tui.core.neurons import neuron_report

        if not self.trainer.task.has_corpus:
            self.publish(Update(event=Event("error", "the neuron view needs a character model (task charlm)")))
        else:
            self.publish(Update(neurons=neuron_report(self.trainer, draw=self.neuron_draws)))
            self.neuron_draws += 1              # r in the neuron view: a new sample even while paused
