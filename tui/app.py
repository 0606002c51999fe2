"""The rnn-tui Textual app: watch a NumPy RNN learn, live, and step through BPTT.

Training runs in a session off the event loop (a child process by default, see
:mod:`tui.worker`).  A timer pulls the newest snapshot at ``--fps`` and the draw
scheduler (:mod:`tui.scheduler`) says which panels to redraw.  The pieces live in
their own modules: the keys (:mod:`tui.keys`) and which apply now (:mod:`tui.gating`), the panels (:mod:`tui.panels`), the
main screen and its layouts (:mod:`tui.screens.main`), what each key does
(:mod:`tui.actions`), replay mode (:mod:`tui.replay`), press-twice confirmation
(:mod:`tui.confirm`).  This class holds them together.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from textual import events
from textual.app import App, ScreenStackError
from textual.css.query import NoMatches
from textual.reactive import reactive
from textual.widgets import Tabs

from rnn_tui.core.messages import Update
from rnn_tui.core.session import RunRecipe
from rnn_tui.tui import keys
from rnn_tui.tui.actions import Actions
from rnn_tui.tui.gating import KeyGate
from rnn_tui.tui.confirm import Confirm
from rnn_tui.tui.restart import placeholder, restart_plan
from rnn_tui.tui.runs import RunsList
from rnn_tui.tui.replay import ReplayMode
from rnn_tui.tui.scheduler import DrawScheduler
from rnn_tui.tui.terminal import survive_a_vanished_terminal
from rnn_tui.tui.screens.gradcheck import GradcheckScreen
from rnn_tui.tui.screens.main import MainScreen
from rnn_tui.tui.screens.neurons import NeuronScreen
from rnn_tui.tui.screens.probe import ProbeScreen
from rnn_tui.tui.widgets.status_bar import StatusBar
from rnn_tui.tui.worker import BACKENDS

HEAVY_HZ = 2.0


class RnnApp(Actions, KeyGate, App[int]):
    """The app.  ``RnnApp(trainer)`` — it takes the trainer over; ``RnnApp(replay=…)``
    plays a recording."""

    CSS_PATH = "app.tcss"
    TITLE = "rnn-tui"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = keys.BINDINGS
    HELP = keys.help_rows(keys.TRAIN)
    REPLAY_HELP = keys.help_rows(keys.REPLAY)
    CONFIRM_SECONDS = 5.0       # a second press (or the palette's same command) within this

    paused: reactive[bool] = reactive(False, bindings=True)
    """True while training is stopped."""
    mode: reactive[str] = reactive("", bindings=True)
    """``""`` normally, ``"bptt"`` or ``"forward"`` in a step-through, ``"probe"`` while a
    probe is shown (a step-through of a probe is ``"bptt"`` or ``"forward"``, with
    :attr:`probe_view` set)."""
    diverged: reactive[bool] = reactive(False, bindings=True)
    """A divergence happened and can be rolled back."""
    dead: reactive[str] = reactive("", bindings=True)
    """How the training process died ("" while it lives): ctrl+r restarts it."""

    def __init__(self, trainer=None, fps: float = 10.0, paused: bool = False, backend: str = "process",
                 heavy_hz: float = HEAVY_HZ, replay=None, replay_fps: float = 10.0, autosave: bool = True,
                 theme: str | None = None, remember_theme: bool = False, output_folder: str | None = None,
                 preset: str | None = None):
        """``trainer``: a :class:`~core.trainer.Trainer`, or a :class:`~core.session.RunRecipe`
        that the training process builds (the app then shows a loading view meanwhile).
        ``remember_theme``: a theme chosen in the app is written to the config file;
        ``output_folder``: where ``s`` saves and ``e`` exports (default: the current folder);
        ``preset``: the ``--preset`` the run was started with (Settings shows it)."""
        super().__init__()
        self.preset = preset
        self.output_folder = Path(output_folder) if output_folder else None
        if theme:
            self.theme = theme
        self.remember_theme = remember_theme
        self.fps = fps                          # screen refreshes per second
        self.replay = ReplayMode(replay, replay_fps) if replay is not None else None
        self.loading = isinstance(trainer, RunRecipe) and trainer.trainer is None
        if self.replay is not None:
            self.snapshot = self.replay.first_snapshot()
        else:
            self.snapshot = placeholder(trainer) if self.loading else trainer.snapshot()
        self.task_name = self.snapshot.task
        self.autosave = autosave
        survive_a_vanished_terminal()           # before the output thread starts: see tui.terminal
        self.failed = ""                        # why the run could not be built
        self._restart = None                    # (what, iteration, recipe) it can restart from
        self.update_msg: Update = Update(snapshot=self.snapshot, running=not paused)
        self.bptt_view = None
        self.forward_view = None
        self.probe_view = None                  # the probe shown (a ProbeView), if any
        self.dynamics_view = None               # the weights panel's figures (while it is on screen)
        self._views_sent = None                 # the Views the session was last told
        self.paused = paused
        self._trainer = trainer
        self._backend_name = backend
        self.backend = None
        self._seq = -1
        self.scheduler = DrawScheduler(heavy_hz)
        self.message, self._message_until = "", 0.0
        self.panel = "loss"
        self.confirm = Confirm()
        self.runs_list = RunsList()             # the runs of this session put aside (x lists them)
        self.show_runs = True                   # v: earlier runs on the loss plot

    @property
    def replay_speed(self) -> float:
        return self.replay.speed if self.replay else 1.0

    @replay_speed.setter
    def replay_speed(self, speed: float) -> None:
        self.replay.speed = speed

    def get_default_screen(self) -> MainScreen:
        return MainScreen(id="_default")

    @property
    def main(self) -> MainScreen:
        """The main screen (under any dialog or view opened on top of it)."""
        return self.screen_stack[0]

    @property
    def wide(self) -> bool:
        """All panels at once (else one at a time, tabs and a compact footer)."""
        return bool(self.screen_stack) and self.main.has_class("-wide")

    def start(self) -> None:
        """Start the session (or the replay) and the refresh timer; the main screen
        calls it once its panels exist."""
        if self.replay is not None:
            self.backend = self.replay.backend(self.paused)
        else:
            self.backend = self._start_backend(self._trainer)
        self._trainer = None
        self._catch_signals()
        self._apply_layout()
        if self.loading:
            self.main.show_loading(None)
        self._draw(force=True)
        self.set_interval(1.0 / self.fps, self._tick)

    def _start_backend(self, run):
        return BACKENDS[self._backend_name](run, paused=self.paused, interval=1.0 / max(self.fps, 1.0),
                                            autosave=self.autosave)

    def _catch_signals(self) -> None:
        """SIGTERM and SIGHUP end the app as q does (the training process autosaves,
        the terminal is restored), with the status a shell expects: 143 and 129."""
        import asyncio
        import signal

        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self.exit, None, 128 + sig)

    def on_unmount(self) -> None:
        if self.backend is not None:
            self.backend.close()

    def on_resize(self, event: events.Resize) -> None:
        if self.backend is not None:            # else start() lays the screen out
            self._apply_layout(event.size)
            self._draw(force=True)

    def _apply_layout(self, size=None) -> None:
        main = self.main
        self.panel = main.apply_layout(size or self.size, self.panel, self.task_name,
                                       self.mode in ("bptt", "forward"))
        self._send_views()

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        if event.tab is None or event.tab.id != event.tabs.active:
            # Stale: the active tab changed again before this message arrived (two quick
            # presses of tab).  Acting on it would set the older tab, whose own message
            # would then undo the newer one, and so on: a busy loop between two panels.
            return
        pid = event.tab.id.removeprefix("tab-") if event.tab.id else "loss"
        if pid != self.panel:
            self.panel = pid
            self._apply_layout()
            self._draw(force=True)

    # ---- what the session publishes ---------------------------------------------------

    def _tick(self) -> None:
        if not self.is_running:                 # shutting down: screens are being closed
            return
        try:
            self._pull()
        except (NoMatches, ScreenStackError):
            # The panels and the main screen are never removed while the app runs: only a
            # tick that races the shutdown (screens popped, widgets gone) can miss them.
            pass

    def _pull(self) -> None:
        """Take what the session published and redraw what changed."""
        slot = self.backend.slot
        if isinstance(self.screen, GradcheckScreen) and slot.gradcheck is not None:
            self.screen.show(slot.gradcheck)
        if isinstance(self.screen, NeuronScreen) and slot.neurons is not None \
                and self.screen.report is not slot.neurons:
            self.screen.show(slot.neurons)
        if isinstance(self.screen, ProbeScreen) and slot.probe_refusal is not None:
            refusal, slot.probe_refusal = slot.probe_refusal, None
            if refusal.text == self.screen.sent:
                self.screen.refused(refusal.error)
        for rec in slot.take_runs():
            self.runs_list.add(rec)
        latest, events_, seq = slot.take()
        for ev in events_:
            self._on_event(ev)
        if self.loading and (latest is None or self.failed):
            self.main.show_loading(slot.loading, self.failed, died=self.dead)
            if events_:
                self._draw_status()             # e.g. the new process died too: the status says so
            return
        if latest is not None and seq != self._seq:
            if self.loading:
                self.loading = False
                self.main.loaded()
            self._take(latest, first=self._seq < 0)
            self._seq = seq
            self._draw()
        elif events_:
            self._draw_status()                 # e.g. the training process died: no snapshot follows
        elif self.message and time.monotonic() > self._message_until:
            self.message = ""
            self._draw_status()
        self._check_silence(slot)

    SILENT_AFTER = 5.0
    """Seconds without word from a training process that should be training before the status says so."""

    def _check_silence(self, slot) -> None:
        """A running training process that sends nothing (stopped with SIGSTOP, or stuck
        in one enormous step) is not dead: say so instead of showing the last figures
        as if it ran."""
        quiet = time.monotonic() - slot.heard
        stopped = getattr(self.backend, "stopped", None)
        silent = quiet > self.SILENT_AFTER and self.update_msg.running and not self.dead and not self.loading \
            and stopped is not None and self.backend.alive
        if not silent:
            if self._silence:
                self._silence = ""
                self._draw_status()
            return
        pid, halted = self.backend.proc.pid, stopped()
        said = (f"the training process ({pid}) is stopped: kill -CONT {pid} resumes it" if halted else
                f"the training process ({pid}) has sent nothing for {quiet:.0f} s: a step this large takes long, "
                "or it is stuck")
        if said != self._silence:
            if halted != self._silence.endswith("resumes it") or not self._silence:
                self._toast(said, severity="warning", timeout=8)   # the status line may cut it
            self._silence = said
            self._draw_status()

    _silence = ""

    def _take(self, latest: Update, first: bool) -> None:
        if first or self.update_msg.running != latest.running:
            # the status line says what state the run is in: not left for the next
            # periodic redraw, which a slow replay (--fps 0.5) makes seconds away
            self.scheduler.force = True
        self.update_msg = latest
        self.snapshot = latest.snapshot
        self.bptt_view, self.forward_view = latest.bptt, latest.forward
        self.paused = not latest.running
        self.probe_view = latest.probe
        if latest.dynamics is not None or not self._weights_shown():
            self.dynamics_view = latest.dynamics
        mode = "bptt" if latest.bptt is not None else ("forward" if latest.forward is not None else "")
        mode = mode or ("probe" if latest.probe is not None else "")
        if mode != self.mode:
            self.scheduler.force = True         # every panel shows the example of the new mode
        self.mode = mode
        if latest.probe is not None and isinstance(self.screen, ProbeScreen) and self.screen.sent is not None:
            self.screen.dismiss(None)           # the probe typed there is shown
        self.diverged = bool(latest.warning)
        self.main.set_titles(self.snapshot)
        self.runs_list.number(self.snapshot.run_id)
        if self.snapshot.task != self.task_name:
            self.task_name = self.snapshot.task
            self._apply_layout()
            self.scheduler.force = True

    def _on_event(self, ev) -> None:
        if ev.kind == "failed":
            self.failed = ev.text
            return
        if ev.kind == "died":
            self.dead = ev.text
            if self.loading:
                self.main.show_loading(None, died=ev.text)
            self._restart = restart_plan(self.snapshot, self.backend.slot.state)
            self._toast(f"{ev.text}: ctrl+r restarts it from {self._restart[0]}", severity="error", timeout=10)
            self.scheduler.force = True
            return
        prefix = {"saved": "checkpoint written: ", "error": "error: ", "diverged": "diverged: ",
                  "autosaved": "autosaved to "}.get(ev.kind, "")
        text = ev.text
        if ev.kind == "autosaved":
            text = text.replace(str(Path.home()), "~", 1)
        if ev.kind == "saved":                  # the short name when it is in the current folder
            with contextlib.suppress(ValueError):
                text = str(Path(text).relative_to(Path.cwd()))
        self.message = prefix + text
        self._message_until = time.monotonic() + 6.0
        if ev.kind in ("error", "diverged"):
            self._toast(ev.text, severity="error", timeout=6)
        elif len(self.message) > self.main.query_one(StatusBar).message_room(self.snapshot):
            # the status line would cut it: the toast has all of it
            self._toast(self.message)
        self.scheduler.force = True

    # ---- drawing ------------------------------------------------------------------------

    def _draw_status(self) -> None:
        u = self.update_msg
        mode = {"bptt": "BPTT", "forward": "forward", "probe": "probe"}.get(self.mode, "")   # the panel title says more
        if u.replay is not None:
            mode = ReplayMode.status(u)
        # a dead process, or one that is stopped or silent: not shown as running
        stopped = (self.dead, f"ctrl+r restarts from {self._restart[0]}") if self.dead else \
            (self._silence, "") if self._silence else None
        self.main.query_one(StatusBar).show(self.snapshot, u.running and not (stopped or self.failed), u.rate,
                                            mode, self.message,
                                            u.warning, stopped=stopped, probe=self.probe_view,
                                            preset=Path(self.preset).stem if self.preset else None)

    def _draw(self, force: bool = False) -> None:
        running = self.update_msg.running
        if self.scheduler.status_due(time.monotonic(), running, force):
            self._draw_status()
        if force:
            self.scheduler.force = True
        main = self.main
        # Panels not on screen (small terminals show one) are brought up to date when
        # they are shown (a forced draw), not on every tick.
        shown = main.shown()
        due = self.scheduler.same_example(self.scheduler.due(time.monotonic(), running) & shown, shown)
        main.draw(due, self.snapshot, running, self.bptt_view, self.forward_view, replay=self.replay is not None,
                  probe=self.probe_view, dynamics=self.dynamics_view, stopped=self.dead,
                  others=self.runs_list.others(self.snapshot) if "loss" in due and self.show_runs else
                  ([] if "loss" in due else None))

    @property
    def runs(self) -> list:
        """The runs of this session put aside (``RunRecord`` s), oldest first."""
        return self.runs_list.records

    @staticmethod
    def same_example(due: set[str], shown: set[str]) -> set[str]:
        return DrawScheduler.same_example(due, shown)

    def watch_theme(self, theme: str) -> None:
        if not getattr(self, "remember_theme", False):
            return
        from rnn_tui.tui.settings import SettingsError, save_setting

        try:
            save_setting("theme", theme)
        except (OSError, SettingsError) as e:
            self._toast(f"theme not remembered: {getattr(e, 'strerror', None) or e}", severity="warning")

    def watch_mode(self, mode: str) -> None:
        if mode in ("bptt", "forward"):
            self.message = ""                   # the step-through's keys, not what the last one did
        try:
            self.main.set_mode_title(mode)
        except (NoMatches, IndexError):         # not composed yet
            return
        self._apply_layout()

    # ---- helpers the actions use ------------------------------------------------------

    def _send(self, cmd) -> None:
        self.scheduler.force = True
        self.backend.send(cmd)
