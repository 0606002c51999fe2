"""The UI's memory does not grow with the length of a run.

Issue 10: the UI process grew about 4.5 MB a minute while training.  Two causes,
measured with bench/soak.py (RSS), tracemalloc and glibc's malloc_info:

* The loss plot's x ticks were found by listing every candidate tick position
  first: at step 1, one int per iteration of the run, twice a second.  The
  transient lists grew with the iteration count (29 MiB at iteration 500,000)
  and the allocators kept the high-water mark.
* The reader thread's malloc arena: each snapshot arrives in a buffer a little
  larger than the last, freed while the arrays unpickled from it live on; the
  next buffer does not fit the hole.  The arena grew by MBs, nearly all free.

These tests measure the causes, not the RSS: what one redraw of the plot
allocates at its peak, and where a snapshot-sized block comes from.
"""

from __future__ import annotations

import ctypes
import pickle
import sys
import threading
import time
import tracemalloc

import numpy as np
import pytest
from textual.app import App, ComposeResult

from rnn_tui.core import Config, Trainer
from rnn_tui.tui.widgets.loss_plot import LossPlot, int_ticks
from rnn_tui.tui.worker import ProcessBackend


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


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]


def _mallinfo2():
    """glibc's mallinfo2 (2.33+), or None."""
    try:
        f = ctypes.CDLL(None).mallinfo2
    except (OSError, AttributeError):
        return None
    f.restype = _Mallinfo2
    return f


@pytest.mark.skipif(not sys.platform.startswith("linux") or _mallinfo2() is None,
                    reason="glibc's malloc (mallinfo2)")
def test_snapshot_sized_buffers_do_not_grow_the_readers_heap():
    mallinfo = _mallinfo2()
    backend = ProcessBackend(Trainer(Config(task="charlm", seed=0)), interval=0.05)
    try:
        deadline = time.monotonic() + 30
        while backend.slot.take()[0] is None:
            assert time.monotonic() < deadline, "no snapshot from the training process"
            time.sleep(0.05)
        size = len(pickle.dumps(backend.slot.take()[0]))     # one message from the child
        n = 200
        out = {}

        def receive():
            """Receive buffers in a thread, as the reader does: more than the heap has free."""
            out["before"] = mallinfo()
            bufs = [bytearray(size) for _ in range(n)]
            out["during"] = mallinfo()
            del bufs
            out["after"] = mallinfo()

        t = threading.Thread(target=receive)
        t.start()
        t.join()
    finally:
        backend.close()
    before, during, after = out["before"], out["during"], out["after"]
    grew = during.arena - before.arena                       # malloc's heaps, all arenas
    assert grew < size, f"the heaps grew by {grew / 2**20:.1f} MiB for {n} buffers of {size} bytes"
    assert during.hblkhd - before.hblkhd >= n * size - before.fordblks     # mapped instead
    assert after.hblkhd <= before.hblkhd                     # and unmapped when freed
