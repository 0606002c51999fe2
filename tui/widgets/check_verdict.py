"""The check view's answer: the verdict and the diagnosis with its hint, or why the
user's code did not get through, or that the check is still running."""

from __future__ import annotations

import textwrap

from textual.content import Content
from textual.widgets import Static

from rnn_tui.core.usercheck.report import ERROR, FAIL, CheckReport

MUTED = "$text-muted"
BAD = "bold $text-error"
GOOD = "bold $text-success"


def verdict_line(report: CheckReport | None, error: str = "") -> Content:
    """One line: ``✓ all checks pass`` / ``✗ FAIL  <the mistake>`` (the header's)."""
    if error:
        return Content.styled("✗ cannot check this file", BAD)
    if report is None:
        return Content.styled("running your file…", "bold $text-warning")
    if report.passed:
        return Content.styled("✓ all checks pass", GOOD)
    what = (report.diagnosis[0].title if report.diagnosis else
            report.failure.message.split(": ")[0] if report.failure is not None else
            "some checks fail")
    return Content.assemble(("✗ FAIL  ", BAD), (what, "bold"))


def where_line(report: CheckReport) -> str:
    """Where the trace first differs, in words (empty when it does not)."""
    tr = report.trace
    if tr is None:
        return ""
    fm = tr.first_mismatch
    layers = report.setup.layers if report.setup is not None else 1
    if fm is not None:
        layer = f", layer {fm.layer}" if layers > 1 else ""
        return (f"Your backward loop first differs in {fm.quantity} at t = {fm.t}{layer}: the step-through "
                "opens there (tab; ←/→ move through time).")
    if tr.missing:
        return (f"Your backward loop never processed t = {', '.join(map(str, tr.missing))}: the step-through "
                "shows where it went (tab).")
    return ""


class CheckVerdict(Static):
    """The answer panel; :meth:`show` draws a report, :meth:`running` the wait, and
    :meth:`cannot_check` a file the check refuses (on a re-run).  Lines wrap with a
    hanging indent, laid out again when the width changes."""

    DEFAULT_CSS = """
    CheckVerdict { height: auto; }
    """

    def __init__(self, **kwargs):
        super().__init__("", **kwargs)
        self._blocks: list[tuple] = []

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        width = max(self.content_size.width, 30)
        lines: list[Content] = []
        for prefix, body, style, indent in self._blocks:
            head = Content.assemble(*prefix)
            if not body:
                lines.append(head)
                continue
            hl = head.cell_length
            wrapped = textwrap.wrap(body, max(width, hl + 10), initial_indent="x" * hl,
                                    subsequent_indent=" " * indent, break_on_hyphens=False) or ["x" * hl]
            lines.append(head + Content.styled(wrapped[0][hl:], style))
            lines += [Content(r[:indent]) + Content.styled(r[indent:], style) for r in wrapped[1:]]
        self.update(Content("\n").join(lines))

    def _set(self, blocks: list[tuple]) -> None:
        self._blocks = blocks
        self._draw()

    def running(self, file: str, seconds: float) -> None:
        self._set([([("running your file… ", "bold $text-warning"), (f"{seconds:.1f} s", "bold")], "", "", 0),
                   ([], f"{file} runs as your own program, in a process of its own with its folder as the "
                        "working directory; what it prints is kept for the output section, not drawn over "
                        "this screen.", MUTED, 0)])

    def cannot_check(self, message: str) -> None:
        self._set([([("✗ this file cannot be checked: ", BAD)], message, "bold", 2),
                   ([], "Fix it and press r to check again, or q to quit (exit status 2).", MUTED, 0)])

    def show(self, report: CheckReport) -> None:
        blocks: list[tuple] = []
        if report.failure is not None:
            blocks += self._failure(report)
        elif report.passed:
            blocks += [([("✓ all checks pass", GOOD)], f": {report.pass_line}", "bold", 2),
                       ([], "Every traced value is in the step-through (tab; ←/→ move through time).", MUTED, 0)]
        elif report.diagnosis:
            for i, d in enumerate(report.diagnosis):
                if i:
                    blocks.append(([], "", "", 0))
                title = d.title + ("" if d.exact else "  (where the evidence points)")
                blocks += [([("✗ FAIL  " if i == 0 else "also    ", BAD)], title, "bold", 8),
                           ([("hint    ", GOOD)], d.hint, "$text-success", 8)]
                blocks += [([("  · ", MUTED)], ev, "", 4) for ev in d.evidence]
        else:
            bad = [r.title for r in report.rows if r.status in (FAIL, ERROR)]
            blocks.append(([("✗ FAIL  ", BAD), ("some checks fail: ", "bold")], "; ".join(bad), "", 8))
        where = where_line(report)
        if where and report.failure is None:
            blocks += [([], "", "", 0), ([], where, MUTED, 0)]
        for note in report.notes:
            head, _, rest = note.partition("\n")
            blocks.append(([("note    ", "bold $text-warning")], head, "", 8))
            blocks += [([("        ", "")], line.strip(), MUTED, 8) for line in rest.splitlines()]
        self._set(blocks)

    @staticmethod
    def _failure(report: CheckReport) -> list[tuple]:
        f = report.failure
        blocks = [([("✗ ", BAD)], f.message, BAD, 2)]
        if f.traceback:
            blocks.append(([], "Traceback, your file's frames only (oldest first):", MUTED, 0))
            blocks += [([("  │ ", MUTED)], line, "", 4) for line in f.traceback]
        if f.summary and f.summary not in f.message:
            blocks.append(([("  ", "")], f.summary, "bold", 2))
        if f.hint:
            blocks.append(([("hint    ", GOOD)], f.hint, "", 8))
        if report.rows:
            blocks += [([], "", "", 0), ([], "The checks that ran before it are in the table (tab).", MUTED, 0)]
        return blocks
