"""The ``g`` screen: a numerical gradient check of the live model, as a table."""

from __future__ import annotations

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.css.query import NoMatches
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import ProgressBar, Static

from rnn_tui.core.usercheck.report import NUMERIC, rel
from rnn_tui.tui.colours import ThemeAware, palette

BOLD = Style(bold=True)


class GradcheckScreen(ThemeAware, ModalScreen[None]):
    """Shows progress while the worker checks, then one row per parameter."""

    DEFAULT_CSS = """
    GradcheckScreen { align: center middle; }
    GradcheckScreen > Vertical { width: 84; max-width: 100%; height: auto; max-height: 100%;
                                 border: round $primary; background: $surface; padding: 0 1; }
    GradcheckScreen ProgressBar { margin: 1 0; }
    """
    BINDINGS = [("e", "app.export", "Export"), ("escape", "close", "Close"), ("g", "close", "Close"), ("q", "close", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("[b]Gradient check[/b] — BPTT against centred differences "
                         "(float64, unclipped) on the current weights and example", id="gc-title")
            yield ProgressBar(total=100, show_eta=False, id="gc-progress")
            yield Static("checking…", id="gc-table")
            yield Static("[dim]esc closes[/dim]")

    verdict: bool | None = None
    """After a finished check: True when every parameter passed, False when one failed,
    None when nothing could be tested (every sampled gradient was zero)."""

    done = False
    """The check has finished (and :attr:`verdict` says how)."""
    _pending = None

    def on_mount(self) -> None:
        if self._pending is not None:
            self.show(self._pending)

    def theme_changed(self) -> None:
        if self._pending is not None:
            self.show(self._pending)

    def show(self, prog) -> None:
        """Update from a :class:`~core.messages.GradcheckProgress` (kept until the
        screen's widgets exist: a fast check can finish before they are composed)."""
        self._pending = prog
        try:
            bar = self.query_one(ProgressBar)
        except NoMatches:
            return
        bar.update(total=max(prog.total, 1), progress=prog.checked)
        pal = palette(self.query_one("#gc-table"))
        if prog.error:
            self.query_one("#gc-table", Static).update(Text(f"check failed: {prog.error}", style=pal.error))
            return
        if not prog.done:
            self.query_one("#gc-table", Static).update(f"checking… {prog.checked}/{prog.total} entries")
            return
        table = Table(box=None, header_style="bold")
        for col in ("parameter", "shape", "checked (≠ 0)", "max rel. error", "median", f"< {prog.tolerance:g}"):
            table.add_column(col, justify="right" if col not in ("parameter",) else "left")
        ok_all = True
        for r in prog.results:
            ok = r.max_rel <= prog.tolerance
            ok_all &= ok
            mark = (Text("FAIL", style=pal.error + BOLD) if not ok else
                    Text("zeros only", style=pal.warning) if r.nonzero == 0 else Text("pass", style=pal.success + BOLD))
            table.add_row(r.name, "×".join(map(str, r.shape)), f"{r.checked} ({r.nonzero})",
                          # below 1e-8 centred differences cannot tell (and the digits move with the NumPy build)
                          rel(r.max_rel, 2, floor=NUMERIC), rel(r.median_rel, 2, floor=NUMERIC), mark)
        zeros = [r.name for r in prog.results if r.nonzero == 0]
        if ok_all and len(zeros) == len(prog.results):
            # a loss of ~0 (a task learnt): nothing carried a gradient, so nothing was tested
            verdict = Text("nothing tested: every entry sampled has a zero gradient on this example "
                           "(its loss is about 0); check again earlier in training", style=pal.warning + BOLD)
            ok_all = None
        else:
            verdict = Text("all gradients agree" + (f" ({', '.join(zeros)}: only zero gradients sampled)"
                                                    if zeros else "")
                           if ok_all else "some gradients disagree: BPTT is wrong",
                           style=pal.success if ok_all else pal.error + BOLD)
        grid = Table.grid()
        grid.add_row(table)
        grid.add_row(verdict)
        most = max((r.checked for r in prog.results), default=0)
        grid.add_row(Text(f"checked (≠ 0): entries sampled (at most {most} per parameter), and how "
                          "many of them carry a gradient (mostly those; zeros agree trivially)",
                          style=pal.muted))
        self.query_one("#gc-table", Static).update(grid)
        self.verdict, self.done = ok_all, True

    def action_close(self) -> None:
        self.dismiss(None)
