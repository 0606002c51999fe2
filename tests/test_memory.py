"""The UI's memory does not grow with the length of a run.

Issue 10: the UI process grew about 4.5 MB a minute while training.  The loss
plot's x ticks were found by listing every candidate tick position first: at
step 1, one int per iteration of the run, twice a second.  The transient lists
grew with the iteration count (29 MiB at iteration 500,000), and the memory
allocators kept the high-water mark.  bench/soak.py measures the RSS; this test
measures the cause: what one redraw of the plot allocates at its peak.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
from textual.app import App, ComposeResult

from rnn_tui.tui.widgets.loss_plot import LossPlot, int_ticks


def history(last: int, points: int = 2048) -> tuple:
    """A loss history as core.history.History keeps it: at most ``points`` points
    however many iterations the run has trained (``last``)."""
    it = np.unique(np.linspace(1, last, points).astype(np.int64))
    raw = 2.0 + np.cos(np.arange(len(it)) / 50.0)
    return it, raw, raw * 0.9


class PlotApp(App):
    def compose(self) -> ComposeResult:
        yield LossPlot(id="plot")


async def test_a_loss_plot_redraw_needs_no_more_memory_late_in_a_run():
    app = PlotApp()
    async with app.run_test(size=(100, 30)) as pilot:
        plot = app.query_one(LossPlot)

        async def redraw_peak(last: int) -> int:
            """Peak bytes allocated while the app redraws the plot for a history
            that ends at iteration ``last``."""
            tracemalloc.start()
            try:
                tracemalloc.reset_peak()
                base = tracemalloc.get_traced_memory()[0]
                plot.set_history(history(last))
                await pilot.pause()
                assert plot._cache_key is not None and plot._cache_key[2] == last    # it was drawn
                return tracemalloc.get_traced_memory()[1] - base
            finally:
                tracemalloc.stop()

        await redraw_peak(1_500)                        # first draw: imports, caches
        early = await redraw_peak(2_000)
        late = await redraw_peak(1_000_000)
        assert "1M" in plot.render().plain              # the late plot's last x tick
        # the same number of points is plotted: the same memory, give or take labels
        assert late < 2 * early, f"redraw at iteration 1,000,000 peaked at {late / 2**20:.1f} MiB, " \
                                 f"at iteration 2,000 {early / 2**20:.1f} MiB"


def test_int_ticks_does_not_list_the_whole_range():
    tracemalloc.start()
    try:
        ticks, labels = int_ticks(1, 2_000_000, 8)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert ticks == [500_000, 1_000_000, 1_500_000, 2_000_000]
    assert labels == ["500k", "1M", "1.5M", "2M"]
    assert peak < 64 * 1024             # four ticks, not two million ints (70 MiB)
