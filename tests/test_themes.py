"""The panels in Textual's light and dark themes, as the terminal gets them: every
text reads on its background (4.5:1), every one-colour data mark too (3:1), no cell
leaves its background to the terminal (the heatmap's dark block under a light
theme), and a theme chosen while the app runs redraws them.  Also the heatmap's
ramps, its scaling to a small network, and the binary tasks' bit order."""

from __future__ import annotations

import numpy as np
import pytest
from textual.color import Color
from textual.theme import BUILTIN_THEMES

from rnn_tui.core.tasks import Subtraction
from rnn_tui.tui.app import RnnApp
from rnn_tui.tui.colours import contrast, luminance
from rnn_tui.tui.screens.path_prompt import PathPrompt
from rnn_tui.tui.widgets.bptt_steps import BpttSteps
from rnn_tui.tui.widgets.forward_steps import ForwardSteps
from rnn_tui.tui.widgets.gradient_strip import GradientStrip
from rnn_tui.tui.widgets.heatmap import GUTTER, LEVELS, Heatmap, ramp
from rnn_tui.tui.widgets.predictions import Predictions
from rnn_tui.tui.widgets.sample_text import SampleText
from tests.app_helpers import trained, wait_until, worker_ready
from tests.screen_colours import region_cells, screen_cells, unset, worst_mark, worst_text

THEMES = ["textual-dark", "textual-light"]


def _problems(app, widgets) -> list[str]:
    """What does not read in ``widgets`` on the screen as drawn now."""
    cells = screen_cells(app)
    out = []
    for w in widgets:
        mine = region_cells(cells, w.region)
        name = type(w).__name__
        text, row = worst_text(mine)
        if text < 4.5:
            out.append(f"{name}: text at {text:.2f}:1 in {row!r}")
        if not isinstance(w, Heatmap):           # its ramp fades to the background on purpose
            mark, row = worst_mark(mine)
            if mark < 3.0:
                out.append(f"{name}: a data mark at {mark:.2f}:1 in {row!r}")
        if blank := unset(mine):
            out.append(f"{name}: {len(blank)} cells without a background, e.g. row {blank[0].y}")
    return out


def _modal(app) -> list:
    return [w for w in app.screen.query("*") if w.display and w.region.area and not w.children]


async def _settle(pilot, cond=None, what="the screen") -> None:
    if cond is not None:
        await wait_until(pilot, cond, what=what)
    await pilot.pause(0.4)


@pytest.mark.parametrize("theme", THEMES)
async def test_subtraction_panels_and_dialogs_read_in_the_theme(theme):
    app = RnnApp(trained("subtraction"), paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await worker_ready(pilot)
        app.theme = theme                       # chosen while the app runs: the panels redraw
        problems = []
        for panel in (Heatmap, Predictions, GradientStrip):
            await pilot.press("tab")
            await _settle(pilot)
            problems += _problems(app, [app.query_one(panel)])
        await pilot.press("g")
        await _settle(pilot, lambda: getattr(app.screen, "verdict", None) is not None, "the gradient check")
        problems += _problems(app, _modal(app))
        await pilot.press("escape", "question_mark")
        await _settle(pilot)
        problems += _problems(app, _modal(app))
        await pilot.press("escape")
        app.push_screen(PathPrompt("Save a checkpoint to", warning="the current folder cannot be written"))
        await _settle(pilot)
        problems += _problems(app, [app.screen.query_one("#warning")])
        assert problems == []


@pytest.mark.parametrize("theme", THEMES)
async def test_status_line_tabs_and_footer_read_in_the_theme(theme):
    """The frame around the panels too: the status line's hint, the inactive tabs and
    the footer's keys (Textual's light theme draws the last two near 3:1)."""
    from textual.widgets import Tab
    from textual.widgets._footer import FooterKey
    from textual.widgets import Static

    app = RnnApp(trained("charlm"), paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await worker_ready(pilot)
        app.theme = theme
        await _settle(pilot, lambda: "? help" in app.query_one("#status-state", Static).content.__str__(),
                      "the hint")
        chrome = [app.query_one("#status-numbers"), app.query_one("#status-state"),
                  *app.query(Tab), *app.query(FooterKey)]
        assert len(chrome) > 6
        assert _problems(app, chrome) == []


@pytest.mark.parametrize("theme", THEMES)
async def test_step_throughs_and_neuron_view_read_in_the_theme(theme):
    app = RnnApp(trained("charlm"), paused=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await worker_ready(pilot)
        app.theme = theme
        await pilot.press("b", "left", "left", "left")
        await _settle(pilot, lambda: app.bptt_view is not None and app.bptt_view.processed == 3, "BPTT")
        problems = _problems(app, [app.query_one(w) for w in (Heatmap, Predictions, SampleText, BpttSteps)])
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.mode == "", what="leaving BPTT")
        await pilot.press("f", "right", "right")
        await _settle(pilot, lambda: app.forward_view is not None and app.forward_view.t == 1, "forward")
        problems += _problems(app, [app.query_one(ForwardSteps)])
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.mode == "", what="leaving the forward step-through")
        await pilot.press("u")
        await _settle(pilot, lambda: getattr(app.screen, "report", None) is not None, "the neuron view")
        problems += _problems(app, _modal(app))
        assert problems == []


def _background(theme: str) -> Color:
    return Color.parse(BUILTIN_THEMES[theme].to_color_system().generate()["background"])


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("theme", THEMES)
def test_each_ramp_fades_into_its_background_at_rest_and_stands_out_at_the_ends(theme, activation):
    dark = BUILTIN_THEMES[theme].dark
    bg = _background(theme)
    cols = ramp(activation, dark)
    assert len(cols) == LEVELS and len({c.hex for c in cols}) == LEVELS
    rest = LEVELS // 2 if activation == "tanh" else 0          # 0 (tanh) or 0 (sigmoid): no ink
    assert contrast(cols[rest], bg) < 1.7
    ends = [0, LEVELS - 1] if activation == "tanh" else [LEVELS - 1]
    assert all(contrast(cols[k], bg) >= 7.0 for k in ends)
    # away from rest, each level moves further from the background's lightness: lighter
    # on a dark theme, darker on a light one (the old dark ramp's red end dipped)
    arms = [cols[rest::-1], cols[rest:]] if activation == "tanh" else [cols]
    for arm in arms:
        steps = np.diff([luminance(c) for c in arm])
        assert (steps > 0).all() if dark else (steps < 0).all()


def _unit_rows(hm: Heatmap) -> list[str]:
    return [s.text for s in hm._build() if len(s.text) > GUTTER and s.text[GUTTER] in "▀·"]


async def test_a_small_network_is_scaled_up_to_its_panel():
    # subtraction: 8 timesteps, 16 units, once 16 columns and 8 rows in a 76-column panel
    app = RnnApp(trained("subtraction"), paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await worker_ready(pilot)
        await pilot.press("tab")
        await pilot.pause(0.3)
        hm = app.query_one(Heatmap)
        rows = _unit_rows(hm)
        assert len(rows) == 8 and all(r[GUTTER:].rstrip() == "▀" * 64 for r in rows)   # 8 cells a timestep
        for height, per_unit in ((32, 1), (44, 2)):                # a text row per unit, then two
            await pilot.resize_terminal(80, height)
            await pilot.pause(0.4)
            rows = _unit_rows(hm)
            assert len(rows) == 16 * per_unit and hm.pages() == 1
            assert [int(r[:GUTTER]) for r in rows[::per_unit]] == list(range(16))
            assert all(not r[:GUTTER].strip() for k, r in enumerate(rows) if k % per_unit)


async def test_bits_run_in_time_order_in_both_panels_and_say_so():
    app = RnnApp(trained("subtraction"), paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await worker_ready(pilot)
        a, b = Subtraction.operands(app.snapshot.labels)
        c = a - b

        def bits(v):
            return [str((v >> i) & 1) for i in range(8)]       # t = 0, the least significant, first
        await pilot.press("tab")
        await pilot.pause(0.3)
        lines = [s.text for s in app.query_one(Heatmap)._build()]
        assert "t=0 is the least significant bit" in lines[0]
        inputs = {line[:GUTTER].strip(): line[GUTTER:].split() for line in lines
                  if line[:GUTTER].strip() in ("a", "b", "t")}
        assert inputs == {"a": bits(a), "b": bits(b), "t": [str(t) for t in range(8)]}
        await pilot.press("tab")
        await pilot.pause(0.3)
        text = str(app.query_one(Predictions).content)
        assert "t=0 is the least significant bit" in text
        assert f"a = {a:>3}  {' '.join(bits(a))}" in text and f"b = {b:>3}  {' '.join(bits(b))}" in text
        assert f"a−b = {c:>3}  {' '.join(bits(c))}   {c:08b} as written (MSB first)" in text
        assert "P(bit=1)" in text and "p(bit)" not in text


async def test_no_color_heatmap_writes_digits_and_keeps_the_rows(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = RnnApp(trained("subtraction"), paused=True)
    async with app.run_test(size=(80, 40)) as pilot:
        await worker_ready(pilot)
        await pilot.press("tab")
        await pilot.pause(0.3)
        lines = [s.text for s in app.query_one(Heatmap)._build()]
        units = [line for line in lines if line[:GUTTER].strip().isdigit()]
        assert len(units) == 16 and not any("▀" in line for line in lines)
        h = app.snapshot.h[0, :, 0]                                  # unit 0 over time, sigmoid
        assert units[0][GUTTER:].split() == [str(int(round(v * 9))) for v in h]
        assert any(line.startswith("   a ") for line in lines)
        assert any(line.startswith("cells: round(9·h), h from 0 to 1 (sigmoid)") for line in lines)
