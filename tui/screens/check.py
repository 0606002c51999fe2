"""The check view's screen: a header line, four sections (the answer, the table of
checks, the step-through, what the file printed) and the footer.

On a large terminal every section is on screen (the answer on top, the table and
the step-through side by side, the output at the bottom); on a small one the
sections are tabs, one at a time.  Screen classes (``check_app.tcss``): ``-wide``,
``-compact``, ``-too-small``; the section the keys scroll has ``-current``.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static, Tab, Tabs

from rnn_tui.core.usercheck.report import CheckReport
from rnn_tui.tui.widgets.captured_output import CapturedOutput, summary
from rnn_tui.tui.widgets.check_table import CheckTable
from rnn_tui.tui.widgets.check_verdict import CheckVerdict, verdict_line
from rnn_tui.tui.widgets.trace_steps import TraceSteps, formulas

MIN_SIZE = (40, 12)
WIDE_SIZE = (140, 40)
"""At least this many columns and rows show every section at once."""


@dataclass(frozen=True)
class Section:
    """One section of the view: its id, its tab's word and its border title."""

    id: str
    tab: str
    title: str


SECTIONS = (Section("answer", "answer", "answer"),
            Section("checks", "checks", "checks"),
            Section("trace", "step-through", "step-through: your backward loop against rnn-tui's BPTT"),
            Section("output", "output", "what your file printed"))
LEGEND = "· agrees  ▂▅█ differs (‖yours − reference‖, log scale)  – not processed"


def setup_line(report: CheckReport) -> str:
    s = report.setup
    if s is None:
        return ""
    net = (f"H {s.hidden}, V {s.output_size}" if s.contract == "lossFun" else
           f"task {s.task}, D {s.input_size}, H {s.hidden}, V {s.output_size}, layers {s.layers}, batch {s.batch}")
    return f"on rnn-tui's weights and examples: {net}, T {s.seq_len}, {s.activation}, seed {s.seed}, float64"


class CheckScreen(Screen):
    """The check view; the app (:class:`~rnn_tui.tui.check_app.CheckApp`) decides
    what to draw and when."""

    def __init__(self, file: str):
        super().__init__()
        self.file = file
        self.section = "answer"
        self._header: tuple = (None, "")

    def compose(self) -> ComposeResult:
        tabs = Tabs(*[Tab(s.tab, id=f"tab-{s.id}") for s in SECTIONS], id="check-tabs")
        tabs.can_focus = False
        tabs.styles.width = sum(len(s.tab) + 2 for s in SECTIONS)     # each Tab pads 1 a side
        with Horizontal(id="check-bar"):
            yield tabs
            yield Static(id="check-header")
        with Vertical(id="check-body"):
            yield self._box("answer", CheckVerdict(id="verdict"))
            with Horizontal(id="check-middle"):
                yield self._box("checks", CheckTable(id="table"))
                yield self._box("trace", TraceSteps(id="steps"))
            yield self._box("output", CapturedOutput(id="output"))
        yield Static("terminal too small for the check view\nenlarge it (at least 40×12) or press q",
                     id="check-too-small")
        yield Footer()

    @staticmethod
    def _box(sid: str, widget) -> VerticalScroll:
        box = VerticalScroll(widget, id=f"box-{sid}", classes="section")
        box.can_focus = False                   # the app's keys move the cursor; these scroll
        box.border_title = next(s.title for s in SECTIONS if s.id == sid)
        return box

    def on_mount(self) -> None:
        self.apply_layout()
        self.app.start_check()

    def on_resize(self, event) -> None:
        self.apply_layout()

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        sid = event.tab.id.removeprefix("tab-")
        if sid != self.section:
            self.show_section(sid)

    # ---- layout -------------------------------------------------------------------

    @property
    def wide(self) -> bool:
        return self.has_class("-wide")

    def apply_layout(self) -> None:
        w, h = self.size
        small = w < MIN_SIZE[0] or h < MIN_SIZE[1]
        wide = w >= WIDE_SIZE[0] and h >= WIDE_SIZE[1]
        self.set_class(small, "-too-small")
        self.set_class(not wide and not small, "-compact")
        self.set_class(wide, "-wide")
        self.show_section(self.section)
        footer = self.query_one(Footer)
        footer.compact = not wide
        self.header(*self._header)

    def show_section(self, sid: str) -> None:
        """Bring section ``sid`` to the front (alone on a small terminal)."""
        self.section = sid
        wide = self.wide
        for s in SECTIONS:
            box = self.query_one(f"#box-{s.id}")
            box.display = wide or s.id == sid
            box.set_class(s.id == sid, "-current")
        self.query_one("#check-middle").display = wide or sid in ("checks", "trace")
        tabs = self.query_one("#check-tabs", Tabs)
        if tabs.active != f"tab-{sid}":
            tabs.active = f"tab-{sid}"

    def current_box(self) -> VerticalScroll:
        return self.query_one(f"#box-{self.section}", VerticalScroll)

    # ---- drawing ------------------------------------------------------------------

    def header(self, report: CheckReport | None, error: str = "") -> None:
        """The verdict (beside the tabs on a small terminal), the file and its function."""
        self._header = (report, error)
        what = ""
        if report is not None and report.setup is not None:
            s = report.setup
            what = f" · {s.function} " + ("(min-char-rnn style)" if s.contract == "lossFun" else f"(task {s.task})")
        self.query_one("#box-answer").border_title = "answer" if self.wide else f"answer: {self.file}{what}"
        self.query_one("#check-header", Static).update(
            verdict_line(report, error) if not self.wide else Content.assemble(
                verdict_line(report, error), ("   rnn-tui check ", "$text-muted"), (self.file, "bold"),
                (what, "$text-muted")))

    def running(self, seconds: float) -> None:
        self.header(None)
        self.query_one(CheckVerdict).running(self.file, seconds)
        if seconds == 0:
            self.query_one(CheckTable).waiting()
            self.query_one(TraceSteps).show(None, waiting="the step-through appears here when your file has run")
            self.query_one(CapturedOutput).waiting()
            self.query_one("#box-output").border_subtitle = ""

    def cannot_check(self, message: str) -> None:
        self.header(None, message)
        self.query_one(CheckVerdict).cannot_check(message)

    def show_report(self, report: CheckReport) -> None:
        self.header(report)
        self.query_one(CheckVerdict).show(report)
        self.query_one(CheckTable).show(report, setup_line(report))
        self.query_one(CapturedOutput).show(report.output)
        o = report.output
        self.query_one("#box-output").border_subtitle = summary(o) if o.stdout_bytes or o.stderr_bytes else ""
        box = self.query_one("#box-answer")
        box.set_class(report.passed, "-pass")
        box.set_class(not report.passed, "-fail")

    def show_trace(self, report: CheckReport, t: int, layer: int) -> None:
        s = report.setup
        layers = s.layers if s is not None else 1
        legend = formulas(s.activation, s.head, layer, layers) if s is not None else None
        self.query_one(TraceSteps).show(report.trace, t, layer, layers, legend=legend)
        box = self.query_one("#box-trace")
        box.border_subtitle = LEGEND if report.trace is not None and report.trace.values else ""
