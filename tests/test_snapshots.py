"""SVG snapshots of seeded, paused screens for each task at 80x24 and 140x40.

At 80x24 the app shows one panel at a time; each task's snapshot opens a
different panel so that every panel is covered.  Regenerate after a deliberate
layout change with ``pytest tests/test_snapshots.py --snapshot-update`` and look
at the SVGs (``snapshot_report.html``) before committing them.
"""

from __future__ import annotations

import pytest

from tests.app_helpers import snapshot_trained, trained, worker_ready
from rnn_tui.tui.app import RnnApp

# task -> how many tab presses reach the panel shown at 80x24
PANEL_AT_80 = {"charlm": 0, "echo": 1, "subtraction": 2, "hello": 3, "stack": 3}


def _before(tabs: int):
    async def run_before(pilot) -> None:
        await worker_ready(pilot)
        for _ in range(tabs):
            await pilot.press("tab")
        await pilot.pause(0.2)
    return run_before


@pytest.mark.parametrize("task", list(PANEL_AT_80))
def test_compact_80x24(task, snap_compare):
    app = RnnApp(snapshot_trained(task), paused=True)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_before(PANEL_AT_80[task]))


@pytest.mark.parametrize("task", list(PANEL_AT_80))
def test_wide_140x40(task, snap_compare):
    app = RnnApp(snapshot_trained(task), paused=True)
    assert snap_compare(app, terminal_size=(140, 40), run_before=_before(0))


def test_bptt_view_140x40(snap_compare):
    async def run_before(pilot):
        await worker_ready(pilot)
        await pilot.press("b", "left", "left", "left")
        app = pilot.app
        for _ in range(100):
            if app.bptt_view is not None and app.bptt_view.t == 22:
                break
            await pilot.pause(0.05)
        await pilot.pause(0.2)

    app = RnnApp(snapshot_trained("charlm"), paused=True)
    assert snap_compare(app, terminal_size=(140, 40), run_before=run_before)


def _wait(cond_name):
    async def run_before(pilot):
        await worker_ready(pilot)
        app = pilot.app
        for key in cond_name[0]:
            await pilot.press(key)
        for _ in range(300):
            if cond_name[1](app):
                break
            await pilot.pause(0.05)
        await pilot.pause(0.3)
    return run_before


def test_forward_view_140x40(snap_compare):
    app = RnnApp(snapshot_trained("charlm"), paused=True)
    assert snap_compare(app, terminal_size=(140, 40), run_before=_wait(
        (["f", "right", "right", "right", "right"],
         lambda a: a.forward_view is not None and a.forward_view.t == 3)))


def test_gradcheck_table_100x30(snap_compare):
    app = RnnApp(trained("subtraction"), paused=True)
    assert snap_compare(app, terminal_size=(100, 30), run_before=_wait(
        (["g"], lambda a: getattr(a.screen, "verdict", None) is not None)))


def test_neuron_view_120x36(snap_compare):
    app = RnnApp(snapshot_trained("charlm"), paused=True)
    assert snap_compare(app, terminal_size=(120, 36), run_before=_wait(
        (["u", "7"], lambda a: getattr(a.screen, "report", None) is not None)))


@pytest.mark.parametrize("theme", ["textual-light", "textual-dark"])
@pytest.mark.parametrize("task, tabs", [("charlm", 1), ("subtraction", 2)], ids=["charlm-hidden", "subtraction-predictions"])
def test_theme_80x24(task, tabs, theme, snap_compare):
    """The heatmap (a language model's tanh units) and the predictions (subtraction's
    bits) in one light and one dark theme."""
    app = RnnApp(snapshot_trained(task), paused=True, theme=theme)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_before(tabs))
