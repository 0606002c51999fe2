"""SVG snapshots of the experiment screens (issue 14) at 80x24 and 160x48: Settings,
the runs table, and the loss plot comparing runs.  Seeded and paused; a run's
training time is set by hand so that the table's time columns do not depend on the
machine."""

from __future__ import annotations

import pytest

from tests.app_helpers import trained, worker_ready
from rnn_tui.tui.app import RnnApp

SIZES = [(80, 24), (160, 48)]


def _app(steps: int = 200):
    tr = trained("echo", steps)
    tr.train_seconds = 12.0                    # not the machine's: the table shows it
    return RnnApp(tr, paused=True)


def _keys(*keys, wait=None):
    async def run_before(pilot):
        await worker_ready(pilot)
        for k in keys:
            await pilot.press(k)
            await pilot.pause(0.05)
        for _ in range(200):
            if wait is None or wait(pilot.app):
                break
            await pilot.pause(0.05)
        # a status message ("weights reset") lasts 6 s: on a loaded machine the keys take
        # longer than that, so the snapshot is of the line without one, however long it took
        pilot.app.message = ""
        pilot.app._draw_status()
        await pilot.pause(0.4)
    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_settings_screen(size, snap_compare):
    assert snap_compare(_app(), terminal_size=size, run_before=_keys("c"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_runs_table(size, snap_compare):
    assert snap_compare(_app(), terminal_size=size, run_before=_keys(
        "R", "R", "x", wait=lambda a: type(a.screen).__name__ == "RunsScreen" and len(a.screen.rows) == 2))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_loss_plot_comparing_runs(size, snap_compare):
    assert snap_compare(_app(), terminal_size=size, run_before=_keys(
        "R", "R", *["n"] * 30, wait=lambda a: a.snapshot.iteration == 30 and a.runs))
