"""The status line: task, iteration, losses, speed, rate, temperature, state, warnings."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.containers import Vertical
from textual.widgets import Static

from rnn_tui.core.tasks import task_class
from rnn_tui.tui.colours import ThemeAware, palette


def _hint(mode: str, running: bool) -> str:
    """The keys that matter now, shortest first-needed first (the line may be cut)."""
    if mode.startswith("replay"):
        return f"? help · space {'pause' if 'playing' in mode else 'play'} · ←/→ seek · +/- speed"
    if mode.startswith("probe"):
        return "p another input · b BPTT · f forward · esc leave"
    if mode.startswith("BPTT"):
        return "← back in time · → undo · a apply · esc discard"
    if mode.startswith("forward"):
        return "→ next t · ← back · b BPTT · esc leave"
    if running:
        return "? help · space pause · b BPTT · q quit"
    return "? help · space run · n step · b BPTT · q quit"


def _short_hint(mode: str) -> str:
    """What a narrow line keeps of :func:`_hint`: how to get help and out."""
    return "esc leave · ? help" if mode.startswith(("probe", "BPTT", "forward")) else "? help · q quit"


SEP = "  "


def fit(fields: list[tuple[int, str, str]], width: int, cut: int | None = None) -> Text:
    """``(priority, text, style)`` fields joined in their order, keeping each whole in
    priority order (0 first; of equal ones, the earlier) while they fit in ``width``
    cells; the field of priority ``cut`` may instead be cut at a word, with "…", to
    fill the room left."""
    from rich.cells import cell_len

    fields = list(fields)
    kept, used = set(), 0
    for i in sorted(range(len(fields)), key=lambda i: fields[i][0]):
        prio, text, style = fields[i]
        need = cell_len(text) + (len(SEP) if kept else 0)
        if text and used + need <= width:
            kept.add(i)
            used += need
        elif prio == cut and text:
            room = width - used - (len(SEP) if kept else 0)
            short = ""
            for w in text.split(" "):
                if cell_len(short + " " + w if short else w) + 1 > room:
                    break
                short = short + " " + w if short else w
            if short:
                fields[i] = (prio, short + "…", style)
                kept.add(i)
                used += cell_len(short) + 1 + (len(SEP) if len(kept) > 1 else 0)
    out = Text()
    for i, (_, text, style) in enumerate(fields):
        if i in kept:
            if out.plain:
                out.append(SEP)
            out.append(text, style=style)
    return out


class StatusBar(ThemeAware, Vertical):
    """Two lines, each re-rendered only when its own text changes: the numbers
    change every frame while training, the state line rarely."""

    DEFAULT_CSS = """
    StatusBar { height: 2; background: $panel; padding: 0 1; }
    StatusBar > Static { height: 1; }
    StatusBar.-warning { background: $error 30%; }
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._last = (None, None)
        self._shown: tuple | None = None        # show()'s arguments, to redraw in a new theme

    def compose(self):
        yield Static("", id="status-numbers")
        yield Static("", id="status-state")

    @property
    def content(self) -> str:
        """Both lines as plain text."""
        return "\n".join(str(w.content) for w in self.query(Static))

    def show(self, snap, running: bool, rate: float, mode: str, message: str, warning: str,
             stopped: tuple[str, str] | None = None, probe=None, preset: str | None = None) -> None:
        """Draw both lines.  Each is made of fields, kept whole in priority order as
        far as the width allows (a message too long for its line is cut at a word,
        with "…": the app shows it in full in a toast).  ``preset``: the one the run
        was started from, named after the task when there is room."""
        self._shown = (snap, running, rate, mode, message, warning, stopped, probe, preset)
        m = snap.metrics
        colour = self._colours()
        replay = mode.startswith("replay")
        numbers = [(0, f"{snap.task}", "bold")] + ([(6, f"preset {preset}", "")] if preset else []) \
            + [(1, f"it {snap.iteration:,}", "")]
        if "loss" in m:
            numbers += [(2, f"loss {m['loss']:.4f}", ""), (4, f"smoothed {m['ema']:.4f}", "")]
        if "bpc" in m:
            numbers.append((5, f"bpc {m['bpc']:.2f}", ""))
        numbers.append((3, f"{rate:,.0f} it/s" if running and not replay else "— it/s", ""))
        width = self.content_size.width or 10_000
        if stopped:
            state = [(0, "[stopped]", colour["error"] + Style(bold=True)), (1, f"⚠ {stopped[0]}", colour["error"] + Style(bold=True))] \
                + ([(2, stopped[1], "bold")] if stopped[1] else [])
            self._set(fit(numbers, width), fit(state, width, cut=2), warning=True)
            return
        state = [(0, f"[{mode or ('running' if running else 'paused')}]",
                  colour["success" if running else "warning"] + Style(bold=True))]
        if warning:
            # what to do first: a narrow terminal drops the end of the line, not the advice
            state += [(1, "⚠ diverged: z rolls back", colour["error"] + Style(bold=True)),
                      (2, f"- halves the lr (now {snap.config['lr']:.4g})", colour["error"] + Style(bold=True)),
                      (3, warning, "")]
            self._set(fit(numbers, width), fit(state, width, cut=3), warning=True)
            return
        if probe is not None:               # (a message, such as what `a` did to it, goes first)
            state.append((3 if message else 2, f"your input: loss {probe.loss:.4g} over {probe.scored} scored step{'s' * (probe.scored != 1)}"
                             + (f" ({probe.applied} trained on it)" if probe.applied else ""), "bold"))
        rest = [(2, f"lr {snap.config['lr']:.4g}", "")]
        if task_class(snap.task).is_language_model:
            rest.append((3, f"temp {snap.config['temperature']:.2f}", ""))
        if message:
            line = fit(state + [(1, message, "italic")] + rest, width, cut=1)
        else:
            hint = _hint(mode, running)
            line = fit(state + [(4, hint, colour["muted"])] + rest, width)
            if hint not in line.plain:                      # too narrow for it: help and the way out first
                line = fit(state + [(1, _short_hint(mode), colour["muted"])] + rest, width)
        self._set(fit(numbers, width), line, warning=False)

    def _colours(self) -> dict:
        """Styles for the run states and the hint, readable on the bar (plain names
        before the app runs)."""
        try:
            pal = palette(self)
        except Exception:  # not mounted: no app yet
            return {"success": Style(color="green"), "warning": Style(color="yellow"),
                    "error": Style(color="red"), "muted": Style(dim=True)}
        return {"success": pal.success, "warning": pal.warning, "error": pal.error, "muted": pal.muted}

    def theme_changed(self) -> None:
        self._last = (None, None)          # both lines again, in the new colours
        if self._shown is not None:
            self.show(*self._shown)

    def message_room(self, snap) -> int:
        """Cells the state line has for a message after ``[state]``."""
        state = self._last[1] or "[running]"
        used = state.index("]") + 1 if "]" in state else len(state)
        return self.content_size.width - used - len(SEP)

    def _set(self, numbers: Text, state: Text, warning: bool) -> None:
        if numbers.plain != self._last[0]:
            self.query_one("#status-numbers", Static).update(numbers)
        if state.plain != self._last[1]:
            self.set_class(warning, "-warning")
            self.query_one("#status-state", Static).update(state)
        self._last = (numbers.plain, state.plain)
