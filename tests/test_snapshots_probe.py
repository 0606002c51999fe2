"""SVG snapshots of the probe (p) and the weights panel (W) of issue 15, at 80x24 and
160x48.  Seeded and paused, so every frame is the same run's: a paused session samples
the weights panel's figures on each publish rather than every half second."""

from __future__ import annotations

import pytest

from rnn_tui.tui.app import RnnApp
from rnn_tui.tui.screens.probe import ProbeScreen
from tests.app_helpers import snapshot_trained, trained, wait_until, worker_ready

SIZES = [(80, 24), (160, 48)]


def _probe(text: str):
    async def run_before(pilot):
        app = pilot.app
        await worker_ready(pilot)
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, ProbeScreen), what="the probe dialog")
        app.screen.query_one("#probe-input").value = text
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.mode == "probe" and app.probe_view is not None
                         and not isinstance(app.screen, ProbeScreen), what="the probe")
        await pilot.pause(0.4)
    return run_before


def _weights():
    async def run_before(pilot):
        app = pilot.app
        await worker_ready(pilot)
        for _ in range(8):                     # a small terminal shows one panel: tab onto it
            if app.main.query_one("#panel-weights").display:
                break
            await pilot.press("tab")
            await pilot.pause(0.05)
        await wait_until(pilot, lambda: app.dynamics_view is not None, what="the weights panel's figures")
        await pilot.pause(0.4)
    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_probe_charlm(size, snap_compare):
    app = RnnApp(snapshot_trained("charlm"), paused=True)
    assert snap_compare(app, terminal_size=size, run_before=_probe("To be, or not"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_probe_subtraction(size, snap_compare):
    app = RnnApp(trained("subtraction", 150), paused=True)
    assert snap_compare(app, terminal_size=size, run_before=_probe("200 - 73"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_weights_panel(size, snap_compare):
    app = RnnApp(trained("subtraction", 150), paused=True)
    assert snap_compare(app, terminal_size=size, run_before=_weights())
