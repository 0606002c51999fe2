"""Contrast of every panel in Textual's themes, as drawn.

    python bench/theme_contrast.py [--themes textual-dark,textual-light] [--all]

Runs the real app (seeded, paused, the trainer in its child process) on each screen
below, in each theme, and reads the cells back with the colours the terminal gets
(:mod:`tests.screen_colours`).  For every widget on screen it prints the lowest
contrast of its text against its background (WCAG asks 4.5:1), of its one-colour
data marks (bars, shades: 3:1), and how many cells leave their background to the
terminal (a dark block under a light theme).  Then, for the heatmap's ramps, the
contrast of each level against the theme's background.

A report, not a test (``tests/test_themes.py`` asserts the thresholds): it always
exits 0.  ``--all`` takes every built-in theme.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual.color import Color  # noqa: E402
from textual.theme import BUILTIN_THEMES  # noqa: E402

from rnn_tui.tui.app import RnnApp  # noqa: E402
from rnn_tui.tui.colours import contrast  # noqa: E402
from rnn_tui.tui.widgets.heatmap import LEVELS, ramp  # noqa: E402
from tests.app_helpers import trained, worker_ready  # noqa: E402
from tests.screen_colours import region_cells, screen_cells, unset, worst_mark, worst_text  # noqa: E402

# name -> (task, size, keys, until)
SCREENS = {
    "charlm hidden 80x24": ("charlm", (80, 24), ["tab"], None),
    "charlm text 80x24": ("charlm", (80, 24), ["tab", "tab", "tab"], None),
    "charlm gradients 80x24": ("charlm", (80, 24), ["tab", "tab", "tab", "tab"], None),
    "charlm predictions 80x24": ("charlm", (80, 24), ["tab", "tab"], None),
    "subtraction predictions 80x24": ("subtraction", (80, 24), ["tab", "tab"], None),
    "subtraction hidden 80x24": ("subtraction", (80, 24), ["tab"], None),
    "charlm BPTT 140x40": ("charlm", (140, 40), ["b", "left", "left", "left"],
                           lambda a: a.bptt_view is not None and a.bptt_view.processed == 3),
    "charlm forward 140x40": ("charlm", (140, 40), ["f", "right", "right", "right"],
                              lambda a: a.forward_view is not None and a.forward_view.t == 2),
    "echo predictions 80x24": ("echo", (80, 24), ["tab", "tab"], None),
    "help 100x36": ("charlm", (100, 36), ["question_mark"], None),
    "gradient check 100x30": ("subtraction", (100, 30), ["g"],
                              lambda a: getattr(a.screen, "verdict", None) is not None),
    "neuron view 120x36": ("charlm", (120, 36), ["u"], lambda a: getattr(a.screen, "report", None) is not None),
}


async def measure(name: str, theme: str) -> list[tuple]:
    task, size, keys, until = SCREENS[name]
    app = RnnApp(trained(task), paused=True)
    out = []
    async with app.run_test(size=size) as pilot:
        await worker_ready(pilot)
        app.theme = theme
        await pilot.pause(0.2)
        await pilot.press(*keys)
        for _ in range(300):
            if until is None or until(app):
                break
            await pilot.pause(0.05)
        await pilot.pause(0.5)
        cells = screen_cells(app)
        for w in app.screen.query("*"):
            if not w.display or w.region.area == 0 or w.children:
                continue
            mine = region_cells(cells, w.region)
            text, row = worst_text(mine)
            mark, _ = worst_mark(mine)
            kind = type(w).__name__ + ("" if w.id is None else f"#{w.id}")
            out.append((kind, text, mark, len(unset(mine)), row))
    return out


def ramps(theme: str) -> None:
    t = BUILTIN_THEMES[theme]
    bg = Color.parse(t.to_color_system().generate()["background"])
    for activation in ("tanh", "sigmoid"):
        cols = ramp(activation, t.dark)
        print(f"  {activation:8} ramp vs background: " + " ".join(f"{contrast(c, bg):.2f}" for c in cols)
              + f"   ({LEVELS} levels, low end first)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--themes", default="textual-dark,textual-light")
    ap.add_argument("--all", action="store_true", help="every built-in theme")
    ap.add_argument("--only", default="", help="screens whose name contains this")
    args = ap.parse_args()
    themes = sorted(BUILTIN_THEMES) if args.all else args.themes.split(",")
    for theme in themes:
        print(f"\n== {theme}")
        ramps(theme)
        print(f"  {'screen':30} {'widget':24} {'text':>6} {'marks':>6} {'unset':>6}  lowest-contrast row")
        for name in SCREENS:
            if args.only not in name:
                continue
            for kind, text, mark, n_unset, row in asyncio.run(measure(name, theme)):
                t = f"{text:6.2f}" if text < 99 else "     –"
                m = f"{mark:6.2f}" if mark < 99 else "     –"
                print(f"  {name:30} {kind:24} {t} {m} {n_unset:6d}  {row[:48]}", flush=True)


if __name__ == "__main__":
    main()
