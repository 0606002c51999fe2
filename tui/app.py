"""The rnn-tui Textual app: watch a NumPy RNN learn, live, and step through BPTT.

Training runs in a worker (a child process by default, see :mod:`tui.worker`).
A timer pulls the newest snapshot at ``--fps`` and redraws only the panels whose
data changed; the heavy panels (loss plot, heatmap) at most ``HEAVY_HZ`` times a
second while training runs, immediately after a key press.
"""

from __future__ import annotations

import contextlib
import time
from functools import partial
from pathlib import Path

from textual import events
from textual.actions import parse as parse_action
from textual.app import App, ComposeResult, ScreenStackError, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.reactive import reactive
from textual.widgets import Footer, Static, Tab, Tabs

from rnn_tui.tui.export import write_metrics_csv
from rnn_tui.tui.messages import Event, Update
from rnn_tui.tui.screens.gradcheck import GradcheckScreen
from rnn_tui.tui.screens.help import HelpScreen
from rnn_tui.tui.screens.neurons import NeuronScreen
from rnn_tui.tui.screens.path_prompt import PathPrompt
from rnn_tui.tui.widgets.grad_flow import GradFlow
from rnn_tui.tui.widgets.heatmap import Heatmap
from rnn_tui.tui.widgets.loss_plot import LossPlot
from rnn_tui.tui.widgets.predictions import Predictions
from rnn_tui.tui.widgets.sample_text import SampleText
from rnn_tui.tui.widgets.status_bar import StatusBar
from rnn_tui.tui.worker import BACKENDS, ReplayBackend

TASK_KEYS = {"1": "charlm", "2": "subtraction", "3": "echo", "4": "hello", "5": "stack"}
PANELS = [("loss", "Loss"), ("hidden", "Hidden state"), ("predictions", "Predictions"),
          ("text", "Text"), ("gradients", "Gradients / BPTT")]
HEAVY_HZ = 2.0
MIN_SIZE = (40, 12)
WIDE_SIZE = (120, 34)
LM_TASKS = ("charlm", "hello")


def loss_title(task: str, T: int) -> str:
    """The Loss panel's title: what one iteration's loss adds up."""
    if task == "stack":
        return "Loss · ½ squared error of the last 2 outputs"
    if task == "subtraction":
        return f"Loss · ½ squared error summed over the {T} bits"
    return f"Loss · cross-entropy summed over the {T} steps of a window"


class RnnApp(App[int]):
    """The app.  ``RnnApp(trainer)`` — it takes the trainer over."""

    CSS_PATH = "app.tcss"
    TITLE = "rnn-tui"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("space", "toggle_pause", "Run/Pause"),
        Binding("space", "play", "Play/Pause"),                # the same key in a replay
        Binding("n", "step", "Step"),
        Binding("b", "bptt", "BPTT"),
        Binding("f", "forward", "Forward"),
        Binding("left,j", "cursor('left')", "t−1", key_display="←/j"),
        Binding("right,k", "cursor('right')", "t+1", key_display="→/k"),
        Binding("left,j", "seek(-1)", "Back", key_display="←"),       # the same keys in a replay
        Binding("right,k", "seek(1)", "Forward", key_display="→"),
        Binding("home", "cursor('home')", "First", show=False),
        Binding("end", "cursor('end')", "Last", show=False),
        Binding("a", "bptt_apply", "Apply"),
        Binding("escape", "leave", "Leave"),
        Binding("g", "gradcheck", "Grad check", show=False),
        Binding("u", "neurons", "Neurons", show=False),
        Binding("r", "resample", "Resample", show=False),
        Binding("t", "temperature(-0.1)", "Colder", show=False),
        Binding("T", "temperature(0.1)", "Hotter", show=False),
        Binding("plus", "lr(2.0)", "lr×2", show=False),
        Binding("minus", "lr(0.5)", "lr÷2", show=False),
        Binding("plus", "speed(2.0)", "Faster", key_display="+"),     # the same keys in a replay
        Binding("minus", "speed(0.5)", "Slower", key_display="-"),
        Binding("l", "log_y", "Log y", show=False),
        Binding("m", "smooth", "Smoothing", show=False),
        Binding("w", "window", "Window", show=False),
        Binding("s", "save", "Save"),
        Binding("o", "open", "Open", show=False),
        Binding("e", "export", "Export", show=False),
        *[Binding(k, f"task('{v}')", v, show=False) for k, v in TASK_KEYS.items()],
        Binding("R", "reset", "Reset", show=False),
        Binding("z", "rollback", "Roll back"),
        Binding("z", "no_rollback", "", show=False),          # when nothing diverged: says so
        Binding("left_square_bracket", "page(-1)", "Units ←", show=False),
        Binding("right_square_bracket", "page(1)", "Units →", show=False),
        Binding("y", "layer", "Layer", show=False),
        Binding("tab", "next_panel", "Panel", show=False, priority=True),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]
    HELP = [
        ("space", "pause / resume training"),
        ("n", "one training step (while paused)"),
        ("b", "BPTT step-through of the next example (pauses)"),
        ("← j / → k", "in BPTT: one timestep back in time / undo one"),
        ("home / end", "in BPTT: no timestep processed / all processed"),
        ("a / esc", "in BPTT: apply the update training would make / discard"),
        ("f", "forward step-through of the next example (→ next timestep, ← previous)"),
        ("g", "gradient check of the live model (pauses; table of relative errors)"),
        ("u", "neuron view: one hidden unit over the text (task charlm)"),
        ("r", "resample text (language models)"),
        ("t / T", "lower / raise the sampling temperature"),
        ("+ / -", "learning rate ×2 / ÷2"),
        ("l", "loss plot: log-y on/off"),
        ("m", "loss plot: smoothed curve on/off"),
        ("w", "loss plot: all iterations / last 1000"),
        ("[ / ]", "heatmap: previous / next page of hidden units"),
        ("y", "stacked networks: next layer (heatmap and gradients)"),
        ("tab", "small terminals: next panel"),
        ("s", "save a checkpoint in the current folder"),
        ("o", "open a checkpoint"),
        ("e", "export metrics (CSV) and the screen (SVG) to a folder"),
        ("1 … 5", "task: charlm, subtraction, echo, hello, stack"),
        ("R", "reset the weights (same settings)"),
        ("z", "after a divergence: roll back to the last backup (taken every 10 iterations)"),
        ("ctrl+p", "command palette (the same actions)"),
        ("?", "this help"),
        ("q", "quit; press it twice if unsaved training would be lost (s saves)"),
    ]

    REPLAY_HELP = [
        ("space", "play / pause the recording"),
        ("← j / → k", "one frame back / forward"),
        ("home / end", "first / last frame"),
        ("+ / -", "play faster / slower"),
        ("l", "loss plot: log-y on/off"),
        ("m", "loss plot: smoothed curve on/off"),
        ("w", "loss plot: all iterations / last 1000"),
        ("[ / ]", "heatmap: previous / next page of hidden units"),
        ("y", "stacked networks: next layer"),
        ("tab", "small terminals: next panel"),
        ("e", "export metrics (CSV) and the screen (SVG) to a folder"),
        ("ctrl+p", "command palette"),
        ("?", "this help"),
        ("q", "quit"),
        ("", "A replay shows what was recorded: training keys (n, b, f, s, r, …) are off."),
    ]

    paused: reactive[bool] = reactive(False, bindings=True)
    """True while training is stopped."""
    mode: reactive[str] = reactive("", bindings=True)
    """``""`` normally, ``"bptt"`` or ``"forward"`` in a step-through."""
    diverged: reactive[bool] = reactive(False, bindings=True)
    """A divergence happened and can be rolled back."""

    def __init__(self, trainer=None, fps: float = 10.0, paused: bool = False, backend: str = "process",
                 heavy_hz: float = HEAVY_HZ, replay=None, replay_fps: float = 10.0):
        super().__init__()
        self.fps = fps                          # screen refreshes per second
        self.replay_fps = replay_fps            # a replay's frames per second at 1×
        self.heavy_hz = heavy_hz
        self.replay = replay
        self.replay_speed = 1.0
        self.snapshot = trainer.snapshot() if replay is None else replay.snapshot(0)
        self.task_name = self.snapshot.task
        self._saved: tuple[str, int] | None = None   # last checkpoint written, at which iteration
        self.update_msg: Update = Update(snapshot=self.snapshot, running=not paused)
        self.bptt_view = None
        self.forward_view = None
        self.paused = paused
        self._trainer = trainer
        self._backend_name = backend
        self.backend = None
        self._seq = -1
        self._drawn_at: dict[str, float] = {}
        self._status_at = 0.0
        self._force = True
        self.message, self._message_until = "", 0.0
        self.panel = "loss"
        self._confirm_key: str | None = None       # R or a task key pressed once, awaiting the second
        self._confirm_until = 0.0

    # ---- layout -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        tabs = Tabs(*[Tab(label, id=f"tab-{pid}") for pid, label in PANELS], id="tabs")
        tabs.can_focus = False
        yield tabs
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield self._panel("loss", "Loss", LossPlot(id="loss-plot"))
                yield self._panel("predictions", "Predictions vs truth", Predictions(id="preds"))
                yield self._panel("text", "Generated text", SampleText(id="sample"))
            with Vertical(id="right"):
                yield self._panel("hidden", "Hidden state h_t (time →, units ↓)", Heatmap(id="heatmap"))
                yield self._panel("gradients", "Gradient flow ‖dh_t‖", GradFlow(id="grads"))
        yield Static("terminal too small for rnn-tui\nenlarge it (at least 40×12) or press q",
                     id="too-small")
        yield Footer()

    @staticmethod
    def _panel(pid: str, title: str, child) -> Vertical:
        box = Vertical(child, id=f"panel-{pid}", classes="panel")
        box.border_title = title
        return box

    def on_mount(self) -> None:
        if self.replay is not None:
            self.backend = ReplayBackend(self.replay, paused=self.paused, fps=self.replay_fps)
            self.backend.speed = self.replay_speed
        else:
            self.backend = BACKENDS[self._backend_name](self._trainer, paused=self.paused,
                                                        interval=1.0 / max(self.fps, 1.0))
        self._trainer = None
        self._apply_layout()
        self._draw(force=True)
        self.set_interval(1.0 / self.fps, self._tick)

    def on_unmount(self) -> None:
        if self.backend is not None:
            self.backend.close()

    def on_resize(self, event: events.Resize) -> None:
        self._apply_layout(event.size)
        if self.backend is not None:
            self._draw(force=True)

    def _visible_panels(self) -> list[str]:
        return [pid for pid, _ in PANELS if pid != "text" or self.task_name in LM_TASKS]

    def _apply_layout(self, size=None) -> None:
        w, h = size or self.size
        small = w < MIN_SIZE[0] or h < MIN_SIZE[1]
        wide = w >= WIDE_SIZE[0] and h >= WIDE_SIZE[1]
        screen = self.screen
        screen.set_class(small, "-too-small")
        screen.set_class(not wide and not small, "-compact")
        screen.set_class(wide, "-wide")
        screen.set_class(self.mode != "", "-stepping")      # step-through text gets the room
        visible = self._visible_panels()
        if self.panel not in visible:
            self.panel = "loss"
        tabs = self.query_one("#tabs", Tabs)
        for pid, _ in PANELS:
            tabs.query_one(f"#tab-{pid}", Tab).display = pid in visible
            box = self.query_one(f"#panel-{pid}")
            box.display = pid in visible and (wide or pid == self.panel)
        self.query_one("#left").display = wide or self.panel in ("loss", "predictions", "text")
        self.query_one("#right").display = wide or self.panel in ("hidden", "gradients")
        if tabs.active != f"tab-{self.panel}":
            tabs.active = f"tab-{self.panel}"
        footer = self.query_one(Footer)
        footer.compact = not wide                       # the footer's keys fit in 80 columns
        if footer.show_command_palette != wide:         # (ctrl+p still opens it)
            footer.show_command_palette = wide
            footer.refresh(recompose=True)              # Footer does not redo its keys for this

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

    # ---- drawing ------------------------------------------------------------------

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
        """Take what the worker published and redraw what changed."""
        slot = self.backend.slot
        if isinstance(self.screen, GradcheckScreen) and slot.gradcheck is not None:
            self.screen.show(slot.gradcheck)
        if isinstance(self.screen, NeuronScreen) and slot.neurons is not None \
                and self.screen.report is not slot.neurons:
            self.screen.show(slot.neurons)
        latest, events_, seq = slot.take()
        for ev in events_:
            self._on_event(ev)
        if latest is not None and seq != self._seq:
            prev, first = self.update_msg, self._seq < 0
            self._seq = seq
            self.update_msg = latest
            if first or prev.running != latest.running:
                # the status line says what state the run is in: not left for the next
                # periodic redraw, which a slow replay (--fps 0.5) makes seconds away
                self._force = True
            self.snapshot = latest.snapshot
            self.bptt_view = latest.bptt
            self.forward_view = latest.forward
            self.paused = not latest.running
            self.mode = "bptt" if latest.bptt is not None else ("forward" if latest.forward is not None else "")
            self.diverged = bool(latest.warning)
            # labels follow the run (a task switch or a load can change T)
            box = self.query_one("#panel-loss")
            title = loss_title(self.snapshot.task, self.snapshot.config["seq_len"])
            if box.border_title != title:
                box.border_title = title
                self.query_one(Heatmap).set_x_label("ab" if self.snapshot.task == "subtraction" else "x")
            if self.snapshot.task != self.task_name:
                self.task_name = self.snapshot.task
                self._apply_layout()
                self._force = True
            self._draw()
        elif self.message and time.monotonic() > self._message_until:
            self.message = ""
            self._draw_status()

    def _on_event(self, ev) -> None:
        prefix = {"saved": "checkpoint written: ", "error": "error: ", "diverged": "diverged: "}.get(ev.kind, "")
        text = ev.text
        if ev.kind == "saved":                  # the short name when it is in the current folder
            self._saved = (ev.text, self.snapshot.iteration)
            with contextlib.suppress(ValueError):
                text = str(Path(text).relative_to(Path.cwd()))
        self.message = prefix + text
        self._message_until = time.monotonic() + 6.0
        if ev.kind in ("error", "diverged"):
            self._toast(ev.text, severity="error", timeout=6)
        elif len(self.message) > self.query_one(StatusBar).message_room(self.snapshot):
            # the status line would cut it: the toast has all of it
            self._toast(self.message)
        self._force = True

    def _draw_status(self) -> None:
        u = self.update_msg
        mode = {"bptt": "BPTT", "forward": "forward"}.get(self.mode, "")   # the panel title says more
        if u.replay is not None:
            i, n, speed, cut = u.replay
            mode = (f"replay {'playing' if u.running else 'paused'} {i + 1}/{n} {speed:g}×"
                    + (" · recording cut short" if cut else ""))
        self.query_one(StatusBar).show(self.snapshot, u.running, u.rate, mode,
                                       self.message, u.warning)

    # Seconds between redraws of each panel while training runs, in units of
    # 1 / heavy_hz.  At most one of the two heavy panels (plot, heatmap) is redrawn
    # per tick, so a key press never waits behind both.
    PANEL_PERIODS = {"plot": 1.0, "heatmap": 2.0, "preds": 2.0, "text": 2.0, "grads": 2.0}

    def _due(self, now: float) -> set[str]:
        if self._force or not self.update_msg.running:
            self._force = False
            for k in self.PANEL_PERIODS:
                self._drawn_at[k] = now
            return set(self.PANEL_PERIODS)
        late = {k: now - self._drawn_at.get(k, 0.0) - p / self.heavy_hz
                for k, p in self.PANEL_PERIODS.items()}
        due = {k for k, v in late.items() if v >= 0 and k not in ("plot", "heatmap")}
        heavy = [k for k in ("plot", "heatmap") if late[k] >= 0]
        if heavy:
            due.add(max(heavy, key=late.get))
        for k in due:
            self._drawn_at[k] = now
        return due

    STATUS_HZ = 5.0
    """While training runs the iteration counter needs no more than this; every
    redraw costs the UI core time the trainer (on the other core) may share."""

    @staticmethod
    def same_example(due: set[str], shown: set[str]) -> set[str]:
        """Predictions and gradients show the heatmap's example: while the heatmap is
        on screen they are redrawn with it, never alone, so that panels side by side
        never show two different examples."""
        if "hidden" not in shown:
            return due
        tied = {"preds", "grads"}
        return due | tied if "heatmap" in due else due - tied

    def _draw(self, force: bool = False) -> None:
        snap = self.snapshot
        now = time.monotonic()
        if force or self._force or not self.update_msg.running \
                or now - self._status_at >= 1.0 / self.STATUS_HZ:
            self._status_at = now
            self._draw_status()
        if force:
            self._force = True
        due = self._due(time.monotonic())
        # Panels not on screen (small terminals show one) are brought up to date
        # when they are shown (_force), not on every tick.
        shown = {pid for pid, _ in PANELS if self.query_one(f"#panel-{pid}").display}
        due &= {k for k, pid in (("plot", "loss"), ("heatmap", "hidden"), ("preds", "predictions"),
                                 ("text", "text"), ("grads", "gradients")) if pid in shown}
        due = self.same_example(due, shown)
        view = self.bptt_view or self.forward_view
        if "plot" in due:
            plot = self.query_one(LossPlot)
            plot.running = self.update_msg.running
            plot.set_history(snap.history)
        if "heatmap" in due or (view is not None and "hidden" in shown):
            hm = self.query_one(Heatmap)
            if view is not None:
                hm.set_data(view.h, view.labels, view.activation)
                hm.cursor = view.t
            else:
                hm.set_data(snap.h, snap.labels, snap.activation)
                hm.cursor = None
        preds = self.query_one(Predictions)
        if view is not None:
            preds.show(snap, view.probs, view.labels, view.targets)
        elif "preds" in due:
            preds.show(snap)
        if snap.task in LM_TASKS and "text" in due:
            self.query_one(SampleText).show(snap)
        grads = self.query_one(GradFlow)
        if self.bptt_view is not None:
            grads.show_bptt(self.bptt_view, snap.vocab)
        elif self.forward_view is not None:
            grads.show_forward(self.forward_view, snap.vocab)
        elif "grads" in due:
            grads.show_live(snap, replay=self.replay is not None)

    # ---- actions ------------------------------------------------------------------

    REPLAY_ACTIONS = {"play", "seek", "cursor", "speed", "log_y", "smooth", "window", "page",
                      "layer", "next_panel", "help", "quit", "export", "command_palette"}

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "next_panel" and len(self.screen_stack) > 1:
            return False                # tab belongs to the dialog on top (focus, not panels)
        if self.replay is not None:
            if action == "cursor":
                return parameters[0] in ("home", "end")
            return action in self.REPLAY_ACTIONS
        if action in ("seek", "play", "speed"):
            return False
        if action in ("cursor", "leave"):
            return self.mode != ""
        if action == "bptt_apply":
            return self.mode == "bptt"
        if action in ("toggle_pause", "step", "task", "reset", "open"):
            return self.mode == "" or None
        if action == "bptt":
            return self.mode != "bptt"
        if action == "forward":
            return self.mode == ""
        if action == "rollback":
            return self.diverged
        if action == "no_rollback":
            return not self.diverged
        return True

    def watch_mode(self, mode: str) -> None:
        try:
            box = self.query_one("#panel-gradients")
        except NoMatches:                       # not composed yet
            return
        box.border_title = {"bptt": "BPTT step-through", "forward": "Forward step-through"}.get(
            mode, "Gradient flow ‖dh_t‖")
        self._apply_layout()

    def _why_not(self, action: str) -> str:
        """Why ``action`` can do nothing now ("" when it can)."""
        if self.diverged and action in ("bptt", "forward", "gradcheck", "step"):
            return "training diverged: press z to roll back first (then - to lower the learning rate)"
        if action in ("resample", "temperature") and self.task_name not in LM_TASKS:
            return "r, t, T work on language models only (tasks charlm and hello)"
        if action == "neurons" and self.task_name != "charlm":
            return "the neuron view needs a character model (task charlm)"
        if action == "layer" and self.snapshot.h.shape[0] == 1:
            return "y switches layers of a stacked network; this one has one (task stack has two)"
        return ""

    def _refused(self, action: str) -> bool:
        """Say (in a toast) why ``action`` can do nothing now; True if so."""
        why = self._why_not(action)
        if why:
            self._toast(why)
        return bool(why)

    def _toast(self, text: str, severity: str = "information", timeout: float = 4) -> None:
        """One notification at a time: a new one replaces the last, never piles up."""
        self.clear_notifications()
        self.notify(text, severity=severity, timeout=timeout)

    CONFIRM_SECONDS = 5.0       # a second press (or the palette's same command) within this

    def _unsaved(self) -> str:
        """What replacing the run now would lose, in words; "" if nothing."""
        it = self.snapshot.iteration
        if it == 0:
            return ""
        if self._saved is None:
            return f"this {self.task_name} run is not kept (s saves it)"
        since = it - self._saved[1]
        if since == 0:
            return ""
        return (f"the {since} iteration{'s' if since != 1 else ''} since the last save "
                f"({Path(self._saved[0]).name}) {'are' if since != 1 else 'is'} not kept")

    def _confirmed(self, key: str, what: str) -> bool:
        """True on the second press of ``key`` within 5 s, or when nothing would be
        lost; the first press explains what the second would throw away."""
        now = time.monotonic()
        ok = self._confirm_key == key and now <= self._confirm_until
        self._confirm_key = None
        lost = self._unsaved()
        if ok or not lost:
            if ok:
                self.clear_notifications()      # the "press again" prompt is answered
            return True
        self._confirm_key, self._confirm_until = key, now + self.CONFIRM_SECONDS
        self._toast(f"press {key} again to {what}: {lost}", timeout=self.CONFIRM_SECONDS)
        return False

    # keys whose binding is off during a step-through (see check_action)
    STEPPING_OFF = {"toggle_pause", "play", "step", "task", "reset", "open", "forward", "bptt"}

    def on_key(self, event: events.Key) -> None:
        """Say why a key does nothing when its binding is off: in a replay, or
        during a step-through (which holds one prepared example)."""
        if len(self.screen_stack) > 1:
            return
        if event.key not in (self._confirm_key, "ctrl+p"):
            # "press q again" means the very next key (the palette may give the same command)
            self._confirm_key = None
        actions = {b.action.partition("(")[0] for b in self.BINDINGS if event.key in b.key.split(",")}
        if not actions:
            return
        if self.replay is not None:
            if not actions & self.REPLAY_ACTIONS:
                self._toast(f"{event.key}: not in a replay, which only shows what was recorded "
                            "(? lists the replay keys)")
        elif self.mode and actions <= self.STEPPING_OFF and not any(
                self.check_action(a, ()) for a in actions):
            how = ("a applies its update, esc discards it" if self.mode == "bptt"
                   else "esc leaves it (b steps back through the same example)")
            self._toast(f"{event.key}: not during the {'BPTT' if self.mode == 'bptt' else 'forward'} "
                        f"step-through: {how}")

    def _send(self, *cmd) -> None:
        self._force = True
        self.backend.send(*cmd)

    def action_toggle_pause(self) -> None:
        self._send("resume" if self.paused else "pause")
        self.paused = not self.paused
        self.message = ""                       # a hint about the paused state is done with

    def action_play(self) -> None:
        """Replay: play or pause the recording."""
        self.action_toggle_pause()

    def action_quit(self) -> None:
        if self.replay is None and not self._confirmed("q", "quit"):
            return
        self.exit(0)

    def action_step(self) -> None:
        if self._refused("step"):
            return
        self._send("step", 1)
        self.paused = True

    def action_bptt(self) -> None:
        if self._refused("bptt"):
            return
        if self.panel not in ("hidden", "gradients"):
            self.panel = "gradients"
            self._apply_layout()
        self._send("bptt", "begin")
        self.mode = "bptt"

    def action_cursor(self, key: str) -> None:
        """Arrows follow time: in BPTT ← goes one step further back, in the forward
        step-through → reveals the next timestep, in a replay they seek."""
        if self.replay is not None:
            self._send("seek_to", 0 if key == "home" else len(self.replay) - 1)
            return
        if self.mode == "bptt":
            self._send("bptt", {"left": "back", "right": "up", "home": "home", "end": "end"}[key])
        elif self.mode == "forward":
            self._send("forward", {"left": "prev", "right": "next", "home": "home", "end": "end"}[key])

    def action_seek(self, delta: int) -> None:
        """Replay: one frame back or forward."""
        self._send("seek", delta)

    def action_bptt_apply(self) -> None:
        self._send("bptt", "apply")
        self.mode = ""
        self._on_event(Event("info", "BPTT left: its update was applied (one training step)"))

    def action_leave(self) -> None:
        kind, self.mode = self.mode, ""         # "bptt" or "forward": also the command's name
        self._send(kind, "discard")
        self._on_event(Event("info", f"{'BPTT' if kind == 'bptt' else kind} step-through left: "
                                     "nothing was changed"))

    def action_forward(self) -> None:
        if self._refused("forward"):
            return
        if self.panel not in ("hidden", "gradients"):
            self.panel = "gradients"
            self._apply_layout()
        self._send("forward", "begin")
        self.mode = "forward"          # the worker confirms; keys work at once

    def action_gradcheck(self) -> None:
        if self._refused("gradcheck"):
            return
        self.backend.slot.gradcheck = None
        # closing the screen stops a check still running (the worker would be busy for
        # minutes on a large model, with every other key waiting behind it)
        self.push_screen(GradcheckScreen(), lambda _: self._send("gradcheck_cancel"))
        self._send("gradcheck")

    def action_neurons(self) -> None:
        if self._refused("neurons"):
            return
        self.backend.slot.neurons = None
        self.push_screen(NeuronScreen(on_refresh=lambda: self._send("neurons")))
        self._send("neurons")

    def action_resample(self) -> None:
        if not self._refused("resample"):
            self._send("resample")

    def action_temperature(self, delta: float) -> None:
        if not self._refused("temperature"):
            self._send("temperature", delta)

    def action_speed(self, factor: float) -> None:
        """Replay: play faster or slower."""
        self._send("speed", factor)

    def action_lr(self, factor: float) -> None:
        self._send("lr", factor)
        self.message = ""                       # e.g. "press - to lower the lr": done

    def action_log_y(self) -> None:
        plot = self.query_one(LossPlot)
        plot.log_y = not plot.log_y

    def action_smooth(self) -> None:
        plot = self.query_one(LossPlot)
        plot.smooth = not plot.smooth

    def action_window(self) -> None:
        plot = self.query_one(LossPlot)
        plot.windowed = not plot.windowed

    def action_save(self) -> None:
        self._send("save", None)

    def action_open(self) -> None:
        # The dialog opens at once (a "press o again" would turn a path typed straight
        # away into key commands); it says what the loaded run replaces.
        def done(path: str | None) -> None:
            if path:
                self._send("load", path)

        lost = self._unsaved()
        self.push_screen(PathPrompt("Open checkpoint (.npz)", self._saved[0] if self._saved else "",
                                    placeholder="path/to/checkpoint.npz",
                                    warning=f"It replaces the current run: {lost}" if lost else ""), done)

    def action_export(self) -> None:
        def done(folder: str | None) -> None:
            if folder:
                self.call_after_refresh(self.export_to, folder)

        self.push_screen(PathPrompt("Export CSV + SVG screenshot to folder",
                                    str(Path.cwd() / "rnn-tui-export"), input_id="folder"), done)

    def export_to(self, folder: str) -> tuple[Path, Path] | None:
        """Write ``metrics-….csv`` and ``screen-….svg`` into ``folder``; say where."""
        snap = self.snapshot
        stem = f"{snap.task}-it{snap.iteration}"
        try:
            out = Path(folder).expanduser()
            out.mkdir(parents=True, exist_ok=True)
            csv_path = write_metrics_csv(out / f"metrics-{stem}.csv", snap)
            svg_path = Path(self.save_screenshot(filename=f"screen-{stem}.svg", path=str(out)))
        except FileExistsError as e:           # mkdir: the name is taken by a file
            self._on_event(Event("error", f"export failed: {e.filename} is a file, not a folder"))
            self._draw_status()
            return None
        except OSError as e:
            self._on_event(Event("error", f"export failed: {e.strerror or e}: {e.filename or folder}"))
            self._draw_status()
            return None
        self._on_event(Event("info", f"exported {csv_path} and {svg_path.name}"))
        self._draw_status()
        return csv_path, svg_path

    def action_task(self, name: str) -> None:
        """Switch task (a trained run is not thrown away on one key press)."""
        key = next(k for k, v in TASK_KEYS.items() if v == name)
        if self._confirmed(key, f"switch to {name}"):
            self._send("task", name)

    def action_reset(self) -> None:
        if self._confirmed("R", "reset the weights"):
            self._send("reset")

    def action_no_rollback(self) -> None:
        self._toast("nothing to roll back: training has not diverged")

    def action_rollback(self) -> None:
        self._send("rollback")

    def action_page(self, delta: int) -> None:
        hm = self.query_one(Heatmap)
        if not self.query_one("#panel-hidden").display:
            self._toast("[ ] page through the hidden units of the Hidden state panel: tab to it first")
            return
        if hm.pages() <= 1:
            self._toast("[ ] page through hidden units: all of them fit on this page")
            return
        hm.next_page(delta)

    def action_layer(self) -> None:
        if self._refused("layer"):
            return
        L = self.snapshot.h.shape[0]
        hm = self.query_one(Heatmap)
        hm.net_layer = (hm.net_layer + 1) % L
        grads = self.query_one(GradFlow)
        grads.net_layer = hm.net_layer
        grads._key = None
        self._draw(force=True)

    def action_next_panel(self) -> None:
        visible = self._visible_panels()
        self.panel = visible[(visible.index(self.panel) + 1) % len(visible)]
        self._apply_layout()
        self._force = True
        self._draw(force=True)

    def action_help(self) -> None:
        self.clear_notifications()              # a toast would cover the help's lines
        self.push_screen(HelpScreen(self.HELP if self.replay is None else self.REPLAY_HELP))

    PALETTE = [
        ("Pause / resume", "space", "toggle_pause"),
        ("Play / pause the recording", "space", "play"),
        ("One training step", "n", "step"),
        ("BPTT step-through", "b", "bptt"),
        ("Forward step-through", "f", "forward"),
        ("Gradient check", "g", "gradcheck"),
        ("Neuron view", "u", "neurons"),
        ("Resample text", "r", "resample"),
        ("Colder sampling (temperature −0.1)", "t", "temperature(-0.1)"),
        ("Hotter sampling (temperature +0.1)", "T", "temperature(0.1)"),
        ("Learning rate ×2", "+", "lr(2.0)"),
        ("Learning rate ÷2", "-", "lr(0.5)"),
        ("Play faster", "+", "speed(2.0)"),
        ("Play slower", "-", "speed(0.5)"),
        ("Loss plot: log-y on/off", "l", "log_y"),
        ("Loss plot: smoothed curve on/off", "m", "smooth"),
        ("Loss plot: all iterations / last 1000", "w", "window"),
        ("Heatmap: previous page of units", "[", "page(-1)"),
        ("Heatmap: next page of units", "]", "page(1)"),
        ("Stacked networks: next layer", "y", "layer"),
        ("Next panel", "tab", "next_panel"),
        ("Save checkpoint", "s", "save"),
        ("Open checkpoint", "o", "open"),
        ("Export metrics and screen", "e", "export"),
        ("Reset weights", "R", "reset"),
        ("Roll back to the last backup", "z", "rollback"),
        *[(f"Task: {v}", k, f"task('{v}')") for k, v in TASK_KEYS.items()],
        ("Help: every key", "?", "help"),
    ]

    def get_system_commands(self, screen):
        # Textual's own "Screenshot" writes to ~/Downloads, which may not exist (it fails
        # there); "Export" (e) saves the screen too, in a folder the user picks
        yield from (c for c in super().get_system_commands(screen) if c.title != "Screenshot")
        for title, key, action in self.PALETTE:
            _, name, params = parse_action(action)
            if self.check_action(name, params) and not self._why_not(name):
                yield SystemCommand(title, f"key {key}", partial(self.run_action, action))
