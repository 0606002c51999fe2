"""Themes: Textual's own (``textual-dark``, ``textual-light``, ``nord``…), chosen with
``--theme``, the command palette or the config file, and remembered there."""

from __future__ import annotations


def theme_names() -> list[str]:
    """Every theme the app can use."""
    from textual.theme import BUILTIN_THEMES

    return sorted(BUILTIN_THEMES)
