"""``rnn-tui check FILE`` in the terminal: the check view.

A small Textual app of its own (the training app is :class:`~rnn_tui.tui.app.RnnApp`).
It runs :func:`~rnn_tui.core.usercheck.run_check` in a thread worker (the user's code
itself runs in a child process, so the UI never waits on it), shows "running your
file…" meanwhile, then the answer (verdict, diagnosis, hint), the table of checks,
the step-through of the user's backward loop against rnn-tui's BPTT opened on the
first mismatch, and what the file printed.

Exit status, as ``--headless``: 0 when every check passes, 1 when one fails or the
user's code does not get through, 2 when the file cannot be checked, 130 when the
user quits before the check ends.
"""

from __future__ import annotations

import time
from functools import partial

from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from rnn_tui.core.usercheck import CheckOptions, CheckReport, CheckUsageError, run_check
from rnn_tui.tui.check_cli import internal_error_line
from rnn_tui.tui.screens.check import SECTIONS, CheckScreen
from rnn_tui.tui.screens.help import HelpScreen
from rnn_tui.tui.terminal import survive_a_vanished_terminal
from rnn_tui.tui.widgets.trace_steps import TraceSteps

INTERRUPTED = 130
"""Exit status when the user quits before the check ends (as Ctrl-C of ``--headless``)."""


class CheckApp(App[int]):
    """The check view of one file.

    Args:
        opts: what to check (validated by the caller: a missing file or a bad flag
            never reaches the screen).
    """

    CSS_PATH = "check_app.tcss"
    TITLE = "rnn-tui check"
    BINDINGS = [
        Binding("left,j", "cursor(-1)", "t−1", key_display="←/j", tooltip="previous timestep: t − 1"),
        Binding("right,k", "cursor(1)", "t+1", key_display="→/k", tooltip="next timestep: t + 1"),
        Binding("home", "cursor_to('first')", "t=0", show=False, tooltip="the first timestep, t = 0"),
        Binding("end", "cursor_to('last')", "last t", show=False,
                tooltip="the last timestep, where your backward loop starts"),
        Binding("m", "cursor_to('mismatch')", "Mismatch", tooltip="back to the first mismatch"),
        Binding("y", "layer", "Layer", tooltip="the next layer (stacked networks)"),
        Binding("tab", "section(1)", "Section", priority=True, key_display="tab",
                tooltip="next section: answer, checks, step-through, output (one at a time on a small terminal)"),
        Binding("shift+tab", "section(-1)", "Section", show=False, priority=True, tooltip="previous section"),
        Binding("down", "scroll(1)", "Scroll", show=False, key_display="↑/↓", tooltip="scroll the current section"),
        Binding("up", "scroll(-1)", "Scroll", show=False),
        Binding("pagedown", "scroll(10)", "Page", show=False, key_display="pgup/pgdn",
                tooltip="page through the current section"),
        Binding("pageup", "scroll(-10)", "Page", show=False),
        Binding("r", "rerun", "Re-run", tooltip="check the file again (after you edited it)"),
        Binding("question_mark", "help", "Help", key_display="?", tooltip="this list of keys"),
        Binding("q", "quit_check", "Quit",
                tooltip="quit: exit status 0 when every check passes, 1 when one fails, 2 when the file "
                        "cannot be checked, 130 while the check is still running"),
    ]
    """Every key of the view: the footer shows them, the ``?`` screen lists them."""

    def __init__(self, opts: CheckOptions):
        super().__init__()
        survive_a_vanished_terminal()           # see tui.terminal
        self.opts = opts
        self.view: CheckScreen | None = None
        """The check view (the app's default screen)."""
        self.report: CheckReport | None = None
        """The finished check (None while it runs)."""
        self.error = ""
        """Why the file cannot be checked (a re-run that the check refuses)."""
        self.error_line = ""
        """A line for the caller to print after the screen closes (``rnn-tui: error: …``)."""
        self.t = 0
        """The step-through's timestep."""
        self.layer = 0
        """The step-through's layer (0 is the bottom one)."""
        self._runs = 0
        self._child = None
        self._quitting = False
        self._started = 0.0
        self._ticker = None

    def get_default_screen(self) -> CheckScreen:
        self.view = CheckScreen(self.opts.file)
        return self.view

    # ---- the check ----------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._started > 0

    def start_check(self) -> None:
        """Run the check in a thread worker; the screen says so and counts the seconds."""
        self.report, self.error = None, ""
        self._runs += 1
        self._started = time.monotonic()
        self.view.running(0.0)
        self._ticker = self.set_interval(0.2, self._tick)
        self.run_worker(partial(run_check, self.opts, on_child=self._got_child), thread=True,
                        exclusive=True, group="check", exit_on_error=False)
        self.refresh_bindings()

    def _got_child(self, child) -> None:
        """(worker thread) The child runs: keep it to stop it on quit."""
        self._child = child
        if self._quitting:
            child.stop()

    def _tick(self) -> None:
        if self.running:
            self.view.running(time.monotonic() - self._started)

    def _stopped(self) -> None:
        self._started = 0.0
        self._child = None
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "check" or self._quitting:
            return
        if event.state == WorkerState.SUCCESS:
            self._stopped()
            self.show_report(event.worker.result)
        elif event.state == WorkerState.ERROR:
            self._stopped()
            e = event.worker.error
            message = str(e) if isinstance(e, CheckUsageError) else internal_error_line(e)
            if self._runs == 1:                 # as --headless: one line, exit 2
                self.error_line = f"rnn-tui: error: {message}"
                self.exit(2, return_code=2)
                return
            self.error = message
            self.view.cannot_check(message)
            self.refresh_bindings()

    def show_report(self, report: CheckReport) -> None:
        self.report = report
        self.t, self.layer = self.opening_focus(report)
        self.view.show_report(report)
        self.view.show_trace(report, self.t, self.layer)
        self.refresh_bindings()

    @staticmethod
    def opening_focus(report: CheckReport) -> tuple[int, int]:
        """Where the step-through opens: the first mismatch, else the first timestep
        the user's loop skipped, else where the backward loop starts (t = T − 1)."""
        tr = report.trace
        if tr is None or not tr.values:
            return 0, 0
        if tr.first_mismatch is not None:
            return tr.first_mismatch.t, tr.first_mismatch.layer
        top = tr.values[0].layer
        if tr.missing:
            return max(tr.missing), top
        return TraceSteps.length(tr) - 1, top

    @property
    def exit_status(self) -> int:
        if self.error:
            return 2
        if self.report is None:
            return INTERRUPTED
        return 0 if self.report.passed else 1

    # ---- keys ---------------------------------------------------------------------

    def _traced(self) -> bool:
        return self.report is not None and self.report.trace is not None and bool(self.report.trace.values)

    def _layers(self) -> list[int]:
        return sorted({v.layer for v in self.report.trace.values}) if self._traced() else []

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "cursor_to" and parameters == ("mismatch",):
            tr = self.report.trace if self._traced() else None
            return True if tr is not None and (tr.first_mismatch is not None or tr.missing) else None
        if action in ("cursor", "cursor_to"):
            return True if self._traced() else None
        if action == "layer":
            return len(self._layers()) > 1                      # hidden for one layer
        if action == "rerun":
            return None if self.running else True
        return True

    def _focus_changed(self) -> None:
        self.view.show_trace(self.report, self.t, self.layer)
        self.view.show_section("trace")

    def action_cursor(self, step: int) -> None:
        """Move the timestep cursor (on a small terminal the first press only brings
        the step-through to the front, on the timestep it was at)."""
        if not self._traced():
            return
        if not self.view.wide and self.view.section != "trace":
            self.view.show_section("trace")
            return
        T = TraceSteps.length(self.report.trace)
        t = min(max(self.t + step, 0), T - 1)
        if t != self.t:
            self.t = t
            self._focus_changed()

    def action_cursor_to(self, where: str) -> None:
        if not self._traced():
            return
        tr = self.report.trace
        if where == "first":
            self.t = 0
        elif where == "last":
            self.t = TraceSteps.length(tr) - 1
        else:
            self.t, self.layer = self.opening_focus(self.report)
        self._focus_changed()

    def action_layer(self) -> None:
        layers = self._layers()
        if len(layers) > 1:
            self.layer = layers[(layers.index(self.layer) + 1) % len(layers)] if self.layer in layers else layers[0]
            self._focus_changed()

    def action_section(self, step: int) -> None:
        ids = [s.id for s in SECTIONS]
        self.view.show_section(ids[(ids.index(self.view.section) + step) % len(ids)])

    def action_scroll(self, lines: int) -> None:
        box = self.view.current_box()
        box.scroll_relative(y=lines, animate=False)

    def action_rerun(self) -> None:
        if not self.running:
            self.start_check()

    def action_help(self) -> None:
        rows = []
        for b in self.BINDINGS:
            if b.tooltip:
                keys = b.key_display or b.key
                rows.append((keys, b.tooltip))
        self.push_screen(HelpScreen(rows))

    def action_quit_check(self) -> None:
        if self.running:
            self._quitting = True
            if self._child is not None:
                self._child.stop()
            self.error_line = "rnn-tui: check interrupted"
        self.exit(self.exit_status, return_code=self.exit_status)
