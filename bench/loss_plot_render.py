"""Cost of one loss-plot redraw, against plotext drawing two plain lines of the same size.

    python bench/loss_plot_render.py [--repeat 30]

The loss panel draws a 20,000-iteration history (its stored points: printed) at
the panel's sizes in an 80x24 and a 160x48 terminal, and at one filling 160x48,
with the smoothed line and without, on the installed plotext.  The reference, timed in the same run, is what the
panel did before the band: one plotext figure with two braille lines (raw and
smoothed) of one point a column.  Printed: medians in ms and their ratio.
Run it under each plotext (5.3, 6.x) to compare them.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from rnn_tui.core.history import History
from rnn_tui.tui import plotext_compat
from rnn_tui.tui.widgets.loss_plot import LossPlot, int_ticks

SIZES = {"80x24": (76, 17), "160x48": (76, 14), "whole 160x48": (156, 44)}   # the panel's size there


def _history(n: int = 20_000) -> History:
    rng = np.random.default_rng(0)
    h, s = History(), 0.0
    for i in range(1, n + 1):
        loss = 40.0 + 120.0 * np.exp(-i / 3000) + rng.normal(0.0, 4.0)
        s = 0.99 * s + 0.01 * loss
        h.add(i, loss, s / (1 - 0.99 ** i))
    return h


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    h = _history()
    it, raw, ema, *_ = h.arrays()
    print(f"plotext {plotext_compat.VERSION}, {h.n} stored points, median of {args.repeat}")
    for name, (w, hh) in SIZES.items():
        idx = np.linspace(0, len(it) - 1, w).astype(int)
        x = it[idx].astype(float)

        def reference(x=x, idx=idx, w=w, hh=hh):
            plotext_compat.render([plotext_compat.Series(x, raw[idx], "braille"),
                                   plotext_compat.Series(x, ema[idx], "braille")],
                                  w, hh, (x[0], x[-1]), (float(raw.min()), float(raw.max())),
                                  int_ticks(x[0], x[-1], 8), ([], []))

        for smooth in (True, False):
            plot = LossPlot()
            plot.set_history(h.arrays())
            plot.smooth = smooth
            ours = _median_ms(lambda plot=plot, w=w, hh=hh: plot._draw(w, hh), args.repeat)
            ref = _median_ms(reference, args.repeat)
            print(f"{name:17} {w}x{hh}  smoothed {'on ' if smooth else 'off'}  loss plot {ours:6.1f} ms"
                  f"  two plotext lines {ref:6.1f} ms  ratio {ours / ref:.2f}")


if __name__ == "__main__":
    main()
