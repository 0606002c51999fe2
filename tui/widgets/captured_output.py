"""What the user's code printed during the check: kept by the child process's
pipes and shown here as plain text (escape sequences dropped), never drawn over
the screen."""

from __future__ import annotations

import re

from textual.content import Content
from textual.widgets import Static

from rnn_tui.core.usercheck.report import Output

MUTED = "$text-muted"
ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def printable(text: str) -> str:
    """``text`` without terminal escape sequences or control characters; a line
    rewritten with ``\\r`` (a progress bar) keeps its last state."""
    text = ESCAPES.sub("", text.replace("\r\n", "\n"))
    lines = [line.rsplit("\r", 1)[-1] for line in text.split("\n")]
    return CONTROLS.sub("�", "\n".join(lines).expandtabs(8))


def summary(o: Output) -> str:
    """``printed 3 lines (52 bytes) to stdout`` or ``printed nothing``."""
    parts = [f"{n:,} line{'s' if n != 1 else ''} ({b:,} bytes) to {name}"
             for name, n, b in (("stdout", o.stdout_lines, o.stdout_bytes), ("stderr", o.stderr_lines, o.stderr_bytes))
             if b]
    return "printed " + " and ".join(parts) if parts else "printed nothing"


class CapturedOutput(Static):
    """Shows an :class:`~rnn_tui.core.usercheck.report.Output`."""

    DEFAULT_CSS = """
    CapturedOutput { height: auto; }
    """

    def waiting(self) -> None:
        self.update(Content.styled("what your file prints while it is checked appears here", MUTED))

    def show(self, o: Output) -> None:
        if not (o.stdout_bytes or o.stderr_bytes):
            self.update(Content.styled("your file printed nothing while it was checked", MUTED))
            return
        parts: list = []
        for name, text, nbytes in (("stdout", o.stdout, o.stdout_bytes), ("stderr", o.stderr, o.stderr_bytes)):
            if not nbytes:
                continue
            if parts:
                parts.append("\n")
            parts.append((f"── {name} " + ("(the start and the end of it) " if o.truncated else ""), "bold"))
            parts.append(("\n" if text else "", ""))
            parts.append((printable(text).rstrip("\n"), "$text-warning" if name == "stderr" else ""))
        self.update(Content.assemble(*parts))
