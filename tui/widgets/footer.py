"""The footer: Textual's, with its keys drawn even while the app has no keyboard focus."""

from __future__ import annotations

from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    """Textual's footer, which also redoes its keys while the app is blurred.

    Textual's footer skips binding changes while the app has no focus and catches up
    on the next ``AppFocus``.  In a browser (``rnn-tui serve``) the app starts blurred:
    the web driver posts ``AppBlur`` as it starts, and the page reports focus only once
    its terminal is clicked, so the footer stayed blank until the first click.  The
    screens that use this footer have no focused widget with keys of its own, so the
    keys are the same with or without focus.
    """

    def bindings_changed(self, screen) -> None:
        super().bindings_changed(screen)            # composes only if the app has focus
        if not screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self.recompose)
