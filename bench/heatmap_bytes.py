"""Bytes of one heatmap frame, as a terminal gets it.

    python bench/heatmap_bytes.py

For a few tasks and sizes, the app (seeded, paused) shows its Hidden state panel;
every line of the heatmap goes through the app's line filters and is written as
escape sequences for a truecolor and a 256-colour terminal (each in its own
process: a Rich ``Style`` keeps the first escape string it made).  Prints bytes
per frame; run it on two commits to compare them.  A report: always exits 0.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CASES = [("subtraction", (80, 24), 1), ("charlm", (80, 24), 1), ("echo", (80, 24), 1),
         ("subtraction", (160, 48), 0), ("charlm", (160, 48), 0)]


async def frame_bytes(task: str, size: tuple[int, int], tabs: int, system) -> int:
    from rnn_tui.tui.app import RnnApp
    from rnn_tui.tui.widgets.heatmap import Heatmap
    from tests.app_helpers import trained, worker_ready

    app = RnnApp(trained(task), paused=True)
    async with app.run_test(size=size) as pilot:
        await worker_ready(pilot)
        await pilot.press(*["tab"] * tabs)
        await pilot.pause(0.4)
        hm = app.query_one(Heatmap)
        n = 0
        for y in range(hm.size.height):
            strip = hm.render_line(y)
            for f in app.get_line_filters():
                strip = strip.apply_filter(f, app.screen.styles.background)
            n += sum(len((s.style.render(s.text, color_system=system) if s.style else s.text).encode())
                     for s in strip)
        return n


def one(colours: str) -> None:
    from rich.color import ColorSystem

    system = {"truecolor": ColorSystem.TRUECOLOR, "256": ColorSystem.EIGHT_BIT}[colours]
    for task, size, tabs in CASES:
        n = asyncio.run(frame_bytes(task, size, tabs, system))
        print(f"  {task:12} {size[0]}x{size[1]}  {colours:>9}: {n:6d} bytes a frame", flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        one(sys.argv[1])
    else:
        for colours in ("truecolor", "256"):
            subprocess.run([sys.executable, __file__, colours], check=False)
