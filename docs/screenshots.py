"""Make the README's pictures from the app's own SVG export, rendered by a browser.

    python docs/screenshots.py [--only NAME] [--theme textual-dark]

Each picture is a seeded, paused run driven by real keys (as the snapshot tests
do), exported with the app's screenshot (the same SVG ``e`` writes), and rendered
to PNG by headless Chromium (``/usr/bin/chromium``; rsvg-convert misplaces text
without the right fonts).  Writes ``docs/<name>.png``; run it again whenever the
screens change.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

# name -> (task, pretrained steps, size, keys pressed, wait for, caption); a key ("type", TEXT)
# puts TEXT in the focused input
SHOTS = {
    "live-160x48": ("charlm", 3000, (160, 48), [], None,
                    "All panels at 160×48: the loss band, the hidden state of every timestep, the predictions, "
                    "the generated text, the gradient flow and the weights"),
    "bptt-160x48": ("charlm", 3000, (160, 48), ["b", *["left"] * 6], lambda a: a.bptt_view is not None
                    and a.bptt_view.processed == 6, "The BPTT step-through, six timesteps back in time"),
    "subtraction-120x34": ("subtraction", 4000, (120, 34), [], None,
                           "Binary subtraction: the predicted bits, their probabilities and the borrows"),
    "tabs-80x24": ("charlm", 3000, (80, 24), ["tab"], None,
                   "At 80×24 one panel at a time, with tabs: here the hidden state"),
    "probe-160x48": ("charlm", 3000, (160, 48), ["p", ("type", "To be, or not to be"), "enter"],
                     lambda a: a.mode == "probe" and a.probe_view is not None,
                     "A probe (p): the network on your own text, its likeliest next symbols and a sample going on"),
    "vanishing-160x48": ("vanishing", 300, (160, 48), [], lambda a: a.dynamics_view is not None,
                         "The vanishing preset: the weights panel says why ‖dh_t‖ shrinks towards t = 0"),
}


async def _shoot(name: str, theme: str, out: Path) -> Path:
    from tests.app_helpers import worker_ready
    from rnn_tui.tui.app import RnnApp

    task, steps, size, keys, ready, _ = SHOTS[name]
    app = RnnApp(_trainer(task, steps), paused=True, theme=theme)
    async with app.run_test(size=size) as pilot:
        await worker_ready(pilot)
        for key in keys:
            if isinstance(key, tuple):
                await pilot.pause(0.3)
                app.focused.value = key[1]
            else:
                await pilot.press(key)
            await pilot.pause(0.05)
        for _ in range(200):
            if ready is None or ready(app):
                break
            await pilot.pause(0.05)
        await pilot.pause(0.5)
        return Path(app.save_screenshot(filename=f"{name}.svg", path=str(out)))


def _trainer(name: str, steps: int):
    """A task, or a preset (its settings), after ``steps`` seeded steps."""
    from rnn_tui.core.tasks import TASKS
    from rnn_tui.tui.cli import build_parser, make_trainer
    from tests.app_helpers import trained

    if name in TASKS:
        return trained(name, steps)
    t = make_trainer(build_parser().parse_args(["--preset", name, "--no-autosave"]))
    for _ in range(steps):
        t.step()
    return t


def render(svg: Path, png: Path) -> None:
    """The SVG as a PNG at its own size, by headless Chromium."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("needs Chromium (apt-get install chromium)")
    m = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg.read_text(encoding="utf-8"))
    w, h = (int(float(v)) + 1 for v in m.groups()) if m else (1600, 1000)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={profile}", "--hide-scrollbars", f"--screenshot={png}",
                        f"--window-size={w},{h}", svg.as_uri()], check=True, capture_output=True, timeout=120)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=list(SHOTS), help="make one picture")
    ap.add_argument("--theme", default="textual-dark")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name in [args.only] if args.only else SHOTS:
            svg = asyncio.run(_shoot(name, args.theme, Path(tmp)))
            render(svg, DOCS / f"{name}.png")
            print(f"docs/{name}.png — {SHOTS[name][-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
