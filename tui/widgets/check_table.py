"""The check view's table: one line per check (forward, gradients, the same call
twice, large gradients, consistency, shortest failing length, trace), then the
largest relative error of every parameter's gradient."""

from __future__ import annotations

import textwrap

from textual.content import Content
from textual.widgets import Static

from rnn_tui.core.usercheck.checks import CONSISTENCY_TOL, TOL
from rnn_tui.core.usercheck.report import ERROR, FAIL, NUMERIC, PASS, SKIP, CheckReport, rel

MUTED = "$text-muted"
STATUS = {PASS: ("pass", "$text-success"), FAIL: ("FAIL", "bold $text-error"), SKIP: ("skip", MUTED),
          ERROR: ("ERROR", "bold $text-error")}


_e = rel


def _tol(v: float) -> str:
    """``1e-7`` (not Python's ``1e-07``)."""
    m, _, x = f"{v:.0e}".partition("e")
    return f"{m}e{int(x)}"


def _shape(shape) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


class CheckTable(Static):
    """Shows the rows of a :class:`~rnn_tui.core.usercheck.report.CheckReport`; the
    summaries wrap under their own column (laid out again on a resize)."""

    DEFAULT_CSS = """
    CheckTable { height: auto; }
    """

    def __init__(self, **kwargs):
        super().__init__("", **kwargs)
        self._report: tuple | None = None          # the last show() arguments, redrawn on a resize

    def on_resize(self) -> None:
        if self._report is not None:
            self.show(*self._report)

    def waiting(self) -> None:
        self._report = None
        self.update(Content.styled("the checks appear here when your file has run", MUTED))

    def show(self, report: CheckReport, setup: str = "") -> None:
        """Draw ``report``'s rows under ``setup`` (what the checks ran on)."""
        self._report = (report, setup)
        width = max(self.content_size.width, 40)
        head = ([Content.styled(line, MUTED) for line in textwrap.wrap(setup, width, break_on_hyphens=False)]
                + [Content("")]) if setup else []
        if not report.rows:
            self.update(Content("\n").join(head + [Content.styled(
                "no check ran: your file stopped before the first call", MUTED)]))
            return
        tw = max(len(r.title) for r in report.rows) + 2
        indent = 3 + tw + 6
        stacked = width - indent < 30           # too narrow for a column: the summary goes under its row
        room = width - 3 if stacked else width - indent
        lines = head + [Content.styled(f"{'#':<3}{'check':<{tw}}" + ("" if stacked else f"{'':<6}what it found"),
                                       MUTED)]
        for r in report.rows:
            word, style = STATUS[r.status]
            wrapped = textwrap.wrap(r.summary, room, break_on_hyphens=False) or [""]
            row = Content.assemble(f"{r.number:<3}{r.title:<{tw}}", (f"{word:<6}", style))
            if stacked:
                lines.append(row)
                lines += [Content.styled("   " + w, MUTED) for w in wrapped]
            else:
                lines.append(row + Content(wrapped[0]))
                lines += [Content(" " * indent + rest) for rest in wrapped[1:]]
        lines += self._params(report)
        self.update(Content("\n").join(lines))

    @staticmethod
    def _params(report: CheckReport) -> list[Content]:
        grad, cons = report.row("gradients"), report.row("consistency")
        if grad is None or not grad.params:
            return []
        cmap = {p.name: p for p in (cons.params if cons is not None else [])}
        sw = max(len(_shape(p.shape)) for p in grad.params) + 2
        nw = max(len(p.name) for p in grad.params) + 3
        out = [Content(""), Content.assemble(("max. relative error per gradient", "bold")),
               Content.styled(f"{'':<{nw + sw}}{'vs rnn-tui BPTT':<18}" +
                              ("vs your own loss" if cmap else ""), MUTED),
               Content.styled(f"{'':<{nw + sw}}{f'(pass ≤ {_tol(TOL)})':<18}" +
                              (f"(pass ≤ {_tol(CONSISTENCY_TOL)})" if cmap else ""), MUTED)]
        for p in grad.params:
            ok, style = ("ok", "$text-success") if p.passed else ("FAIL", "bold $text-error")
            parts = [f"d{p.name:<{nw - 1}}", (f"{_shape(p.shape):<{sw}}", MUTED), f"{_e(p.max_rel):<9}",
                     (f"{ok:<9}", style)]
            c = cmap.get(p.name)
            if c is not None:
                cok, cstyle = ("ok", "$text-success") if c.passed else ("FAIL", "bold $text-error")
                parts += [f"{rel(c.max_rel, floor=NUMERIC):<9}", (cok, cstyle)]
            out.append(Content.assemble(*parts))
        return out
