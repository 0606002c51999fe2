"""The main screen: the status line, the panels (from :mod:`tui.panels`), the
footer, and the layouts — all panels at once on a large terminal, one panel a tab
on a small one, a notice on a tiny one.

Screen classes (used by ``app.tcss``): ``-wide``, ``-compact``, ``-too-small``, and
``-stepping`` during a step-through.  It draws what the app hands it; the app decides
when (:mod:`tui.scheduler`).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import ProgressBar, Static, Tab, Tabs

from rnn_tui.core.tasks import task_class
from rnn_tui.tui.panels import BY_ID, COLUMNS, EXAMPLE, PANELS, SHORT_TABS_BELOW
from rnn_tui.tui.widgets.footer import Footer        # drawn before the first click in a browser
from rnn_tui.tui.widgets.grad_flow import GradFlow
from rnn_tui.tui.widgets import time_note
from rnn_tui.tui.widgets.heatmap import Heatmap
from rnn_tui.tui.widgets.loss_plot import LossPlot
from rnn_tui.tui.widgets.predictions import Predictions
from rnn_tui.tui.widgets.sample_text import SampleText
from rnn_tui.tui.widgets.status_bar import StatusBar
from rnn_tui.tui.widgets.weights import WeightsPanel

MIN_SIZE = (40, 12)
WIDE_SIZE = (120, 34)
SHORT_BELOW = 42        # rows: below this, all panels at once is tight (the text panels shrink)
STEP_TITLES = {"bptt": "BPTT step-through", "forward": "Forward step-through"}


class MainScreen(Screen):
    """The app's default screen."""

    AUTO_FOCUS = ""         # nothing has the keys at first: the arrows belong to the step-throughs

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        tabs = Tabs(*[Tab(p.tab, id=f"tab-{p.id}") for p in PANELS], id="tabs")
        tabs.can_focus = False
        yield tabs
        with Horizontal(id="main"):
            for column in COLUMNS:
                with Vertical(id=column):
                    for p in PANELS:
                        if p.column == column:
                            box = Vertical(p.widget(id=p.widget_id), id=f"panel-{p.id}", classes="panel")
                            box.border_title = p.title
                            yield box
        with Vertical(id="loading"):
            yield Static("starting the training process…", id="loading-text")
            yield ProgressBar(total=100, show_eta=False, id="loading-bar")
        yield Static("terminal too small for rnn-tui\nenlarge it (at least 40×12) or press q",
                     id="too-small")
        yield Footer()

    def on_mount(self) -> None:
        self.app.start()

    # ---- layout -------------------------------------------------------------------

    def visible_panels(self, task: str) -> list[str]:
        """The panels this task has, in tab order."""
        return [p.id for p in PANELS if p.shows(task)]

    def apply_layout(self, size, panel: str, task: str, stepping: bool) -> str:
        """Lay the screen out for ``size`` with ``panel`` in front (small terminals
        show it alone); returns the panel in front (another one if ``task`` has none)."""
        w, h = size
        small = w < MIN_SIZE[0] or h < MIN_SIZE[1]
        wide = w >= WIDE_SIZE[0] and h >= WIDE_SIZE[1]
        self.set_class(small, "-too-small")
        self.set_class(not wide and not small, "-compact")
        self.set_class(wide, "-wide")
        self.set_class(wide and h < SHORT_BELOW, "-short")   # the text panels give the plot rows
        self.set_class(stepping, "-stepping")        # step-through text gets the room
        visible = self.visible_panels(task)
        if panel not in visible:
            panel = "loss"
        tabs = self.query_one("#tabs", Tabs)
        for p in PANELS:
            tab = tabs.query_one(f"#tab-{p.id}", Tab)
            tab.display = p.id in visible
            label = p.short if p.short and w < SHORT_TABS_BELOW else p.tab     # every tab on a narrow terminal
            if str(tab.label) != label:
                tab.label = label
            self.query_one(f"#panel-{p.id}").display = p.id in visible and (
                p.id == panel or (wide and (p.with_steps or not stepping)))
        for column in COLUMNS:
            self.query_one(f"#{column}").display = wide or BY_ID[panel].column == column
        if tabs.active != f"tab-{panel}":
            tabs.active = f"tab-{panel}"
        footer = self.query_one(Footer)
        if footer.compact == wide:                      # a greyed key shows only when wide
            self.app.refresh_bindings()
        footer.compact = not wide                       # the footer's keys fit in 80 columns
        if footer.show_command_palette != wide:         # (ctrl+p still opens it)
            footer.show_command_palette = wide
            footer.refresh(recompose=True)              # Footer does not redo its keys for this
        return panel

    def show_loading(self, loading, failed: str = "", died: str = "") -> None:
        """The notice shown while the run is built: what is being read and how far,
        why the run could not be built, or that its training process died meanwhile."""
        self.set_class(True, "-loading")
        text, bar = self.query_one("#loading-text", Static), self.query_one("#loading-bar", ProgressBar)
        if failed:
            text.update(f"[b]this run cannot start[/b]\n{failed}\n\nc changes the settings · q quits")
            bar.display = False
        elif died:
            text.update(f"[b]the training process stopped while starting[/b]\n{died}\n\n"
                        "ctrl+r starts it again · q quits")
            bar.display = False
        elif loading is not None:
            bar.display = True
            what = {"reading": "reading the corpus", "encoding": "encoding the corpus"}.get(loading.stage,
                                                                                            loading.stage)
            text.update(f"{what}… {loading.done / max(loading.total, 1):.0%}")
            bar.update(total=max(loading.total, 1), progress=loading.done)

    def loaded(self) -> None:
        self.set_class(False, "-loading")

    def shown(self) -> set[str]:
        """The panels on screen now."""
        return {p.id for p in PANELS if self.query_one(f"#panel-{p.id}").display}

    def set_titles(self, snap) -> None:
        """Titles that follow the run (a task switch or a load can change T)."""
        box = self.query_one("#panel-loss")
        task = task_class(snap.task)
        title = task.loss_title(snap.config["seq_len"])
        if box.border_title != title:
            box.border_title = title
            self.query_one(Heatmap).set_x_label(task.x_label, time_note(task))

    def set_mode_title(self, mode: str) -> None:
        self.query_one("#panel-gradients").border_title = STEP_TITLES.get(mode, BY_ID["gradients"].title)

    # ---- drawing ------------------------------------------------------------------

    def draw(self, due: set[str], snap, running: bool, bptt=None, forward=None, replay: bool = False,
             others=None, probe=None, dynamics=None, stopped: str = "") -> None:
        """Redraw the ``due`` panels from ``snap`` (a step-through's panels always:
        its view changes with every key); ``others``: earlier runs for the loss plot;
        ``probe``: the probe shown (``snap``'s example is then the input typed);
        ``dynamics``: the weights panel's figures; ``stopped``: why the training
        process is not running ("" while it is)."""
        view = bptt or forward
        shown = self.shown()
        if "loss" in due:
            plot = self.query_one(LossPlot)
            plot.running = running
            plot.set_history(snap.history)
            plot.set_marks(snap.marks)
            if others is not None:
                plot.set_others(others)
        if "hidden" in due or (view is not None and "hidden" in shown):
            hm = self.query_one(Heatmap)
            hm.set_data(*((view.h, view.labels, view.activation) if view is not None
                          else (snap.h, snap.labels, snap.activation)))
            hm.cursor = view.t if view is not None else None
        preds = self.query_one(Predictions)
        if view is not None:
            preds.show(snap, view.probs, view.labels, view.targets, probe=probe is not None)
        elif "predictions" in due:
            preds.show(snap, probe=probe is not None)
        if "text" in due and task_class(snap.task).is_language_model:
            self.query_one(SampleText).show(snap, probe)
        grads = self.query_one(GradFlow)
        if bptt is not None:
            grads.show_bptt(bptt, snap.vocab)
        elif forward is not None:
            grads.show_forward(forward, snap.vocab)
        elif "gradients" in due:
            grads.show_live(snap, replay=replay, probe=probe is not None)
        if "weights" in due:
            self.query_one(WeightsPanel).show(dynamics, snap, replay=replay, stopped=stopped)
        # the iteration of the example they show (the status line's counter runs ahead)
        for pid in EXAMPLE & (due | (shown if view is not None else set())):
            self.query_one(f"#panel-{pid}").border_subtitle = "your input" if probe is not None \
                else f"it {snap.iteration:,}"
