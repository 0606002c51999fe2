"""What the app shows as it starts: the footer's keys while the app has no keyboard
focus (a browser tab before its first click), panels that follow the run from the
first iterations, and panels that say which iteration their example is from.

The browser itself is tested in ``test_serve.py``; these run in Textual's Pilot.
"""

from __future__ import annotations

from textual.app import App
from textual.widgets._footer import FooterKey

from rnn_tui.tui.app import RnnApp
from rnn_tui.tui.panels import EXAMPLE, PANELS
from rnn_tui.tui.scheduler import DrawScheduler
from tests.app_helpers import trained, wait_until, worker_ready

EVERYTHING = {p.id for p in PANELS}


def _heatmap_ticks(force_at: set[int], ticks: int) -> list[int]:
    """The ticks (10 a second, training running) at which the heatmap is redrawn, with
    a forced draw (the first snapshot, a key press, a resume) at the ticks ``force_at``."""
    s = DrawScheduler(heavy_hz=2.0)
    drawn = []
    for k in range(ticks):
        s.force = s.force or k in force_at
        if "hidden" in DrawScheduler.same_example(s.due(100.0 + k / 10, running=True), EVERYTHING):
            drawn.append(k)
    return drawn


def test_a_forced_draw_does_not_hold_the_example_back_for_a_period():
    # The first snapshot forces a full draw at iteration 1, and training then runs at
    # thousands of iterations a second: the heatmap (with the predictions and gradients,
    # drawn with it) follows at the next ticks, not one period (a second) later.
    assert _heatmap_ticks({0}, 3)[:2] in ([0, 1], [0, 2])
    # A key press in the middle of a run draws everything and leaves the period as it was
    # (every 10 ticks), instead of starting it again from the key press.
    steady = _heatmap_ticks({0}, 35)
    assert _heatmap_ticks({0, 15}, 35) == sorted(steady + [15])
    assert steady[1:] == [2, 12, 22, 32]


async def test_the_footer_has_its_keys_while_the_app_has_no_focus():
    app = RnnApp(trained("subtraction", 5), paused=True)
    app.set_reactive(App.app_focus, False)                # as the web driver starts it (AppBlur)
    async with app.run_test(size=(160, 48)) as pilot:
        await worker_ready(pilot)
        await wait_until(pilot, lambda: {"space", "q"} <= {k.key for k in app.query(FooterKey)},
                         what="the footer's keys")
        assert not app.app_focus


async def test_the_example_panels_say_their_iteration():
    app = RnnApp(trained("subtraction", 5), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await worker_ready(pilot)
        subtitles = lambda: {p: app.main.query_one(f"#panel-{p}").border_subtitle for p in EXAMPLE}  # noqa: E731
        assert subtitles() == dict.fromkeys(EXAMPLE, "it 5")
        assert not app.main.query_one("#panel-loss").border_subtitle        # the plot has its own axis
        await pilot.press("n")
        await wait_until(pilot, lambda: subtitles() == dict.fromkeys(EXAMPLE, "it 6"), what="it 6 in the panels")
