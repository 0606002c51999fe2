"""Colours for the panels' Rich styles, taken from the current theme.

Rich styles (``Text`` spans, ``Strip`` segments) cannot hold Textual's CSS variables
(``$primary``), so a widget that draws with them asks :func:`palette` for styles
made from the theme: each of the theme's colours moved, if it must be, just far
enough towards black or white to read on the widget's own background (text at
least 4.5:1, WCAG AA).  A palette is built once per theme and background, and
:class:`ThemeAware` widgets redraw when the theme changes.

An ANSI theme (``ansi-dark``, ``ansi-light``: colours the terminal picks) gets its
colours as they are: their contrast cannot be known here.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from textual.color import Color

TEXT_CONTRAST = 4.5
"""Text against its background (WCAG AA)."""
MARK_CONTRAST = 3.0
"""A data mark (a bar, a cell of a chart) against its background (WCAG, graphics)."""

BLACK, WHITE = Color(0, 0, 0), Color(255, 255, 255)
ROLES = ("primary", "secondary", "accent", "warning", "error", "success")


def luminance(c: Color) -> float:
    """Relative luminance of ``c`` (0 black … 1 white), as WCAG defines it."""
    def channel(v: int) -> float:
        v = v / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)


def contrast(a: Color, b: Color) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def ink_on(c: Color) -> Color:
    """Black or white, whichever reads better on ``c`` (at least 4.58:1 on any colour)."""
    return BLACK if contrast(BLACK, c) >= contrast(WHITE, c) else WHITE


def readable(c: Color, background: Color, ratio: float = TEXT_CONTRAST) -> Color:
    """``c``, or ``c`` blended towards black or white (whichever the background
    contrasts with more) as little as reaches ``ratio`` against ``background``."""
    if c.ansi is not None or background.ansi is not None or contrast(c, background) >= ratio:
        return c
    target = ink_on(background)
    for step in range(1, 21):
        blended = c.blend(target, step / 20)
        if contrast(blended, background) >= ratio:
            return blended
    return target


def muted(foreground: Color, background: Color, ratio: float = TEXT_CONTRAST) -> Color:
    """Secondary text: the foreground blended up to 40 % towards the background,
    as far as it still reads (``ratio``)."""
    if foreground.ansi is not None or background.ansi is not None:
        return foreground
    for f in (0.40, 0.35, 0.30, 0.25, 0.20, 0.15, 0.10, 0.05):
        c = foreground.blend(background, f)
        if contrast(c, background) >= ratio:
            return c
    return readable(foreground, background, ratio)


@dataclass(frozen=True)
class Palette:
    """Rich styles for one theme on one background.

    Attributes:
        dark: the theme is a dark one (data ramps pick their dark variant).
        background: the background the styles were made for.
        text: the theme's foreground on the background.
        muted: secondary text (still 4.5:1).
        primary, secondary, accent, warning, error, success: the theme's colours,
            each readable on the background.
    """

    dark: bool
    background: Color
    text: Style
    muted: Style
    primary: Style
    secondary: Style
    accent: Style
    warning: Style
    error: Style
    success: Style

    @property
    def base(self) -> Style:
        """Text on the background, the background spelt out: the line API draws
        only what its segments say, a segment without a background shows the
        terminal's own (a dark block under a light theme)."""
        return self.text + Style(bgcolor=self.background.rich_color)

    def on_background(self, style: Style) -> Style:
        """``style`` with the background spelt out (see :attr:`base`)."""
        return style + Style(bgcolor=self.background.rich_color)


_CACHE: dict[tuple, Palette] = {}


def make_palette(variables: dict[str, str], dark: bool, background: Color) -> Palette:
    """The palette for a theme's CSS variables (``App.get_css_variables()``) on ``background``."""
    fg = Color.parse(variables["foreground"])
    fg = readable(fg, background)
    colours = {k: readable(Color.parse(variables[k]), background) for k in ROLES}

    def style(c: Color) -> Style:
        return Style(color=c.rich_color)

    return Palette(dark=dark, background=background, text=style(fg), muted=style(muted(fg, background)),
                   **{k: style(c) for k, c in colours.items()})


def palette(widget) -> Palette:
    """The palette for ``widget``: its app's current theme on the widget's background."""
    app = widget.app
    background = widget.colors[2]
    key = (app.theme, background.hex, background.ansi)
    pal = _CACHE.get(key)
    if pal is None:
        pal = _CACHE[key] = make_palette(app.get_css_variables(), app.current_theme.dark, background)
    return pal


class ThemeAware:
    """Mixin for a widget or screen whose Rich styles come from :func:`palette`:
    :meth:`theme_changed` runs after the app's theme changed (once the new CSS
    is applied, so the widget's background is the new one)."""

    def _on_mount(self, event) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_signal)

    def _theme_signal(self, _theme) -> None:
        self.theme_changed()

    def theme_changed(self) -> None:
        """Redraw with the new theme's palette."""
        self.refresh()
