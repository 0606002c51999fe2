"""plotext through its public API, on whichever plotext is installed (5.3 or 6.x).

The suite runs on one plotext; run this file and the loss-plot tests under the
other too, e.g. from a venv holding plotext 6.1::

    python -m pip install plotext==6.1.0
    python -m pytest -q tests/test_plotext_compat.py tests/test_loss_plot.py
"""

from __future__ import annotations

import ast

import numpy as np
import plotext
import pytest

from rnn_tui.tui import plotext_compat as pc

W, H = 50, 12


def _args(xlim=(0.0, 10.0), ylim=(0.0, 8.0), yticks=([0.0, 4.0, 8.0], ["0", "4", "8"])):
    return (W, H, xlim, ylim, ([0, 5, 10], ["0", "5", "10"]), yticks)


def test_the_api_in_use_is_the_installed_plotexts_public_one():
    major = int(plotext.__version__.split(".")[0])
    assert pc.FIGURE_API == (major >= 6)
    assert pc.VERSION == plotext.__version__


def test_render_is_plain_text_of_the_asked_size():
    lines = pc.render([pc.Series([0, 10], [0, 8], "hd")], *_args())
    assert len(lines) == H and all(len(line) == W for line in lines)
    assert not any("\x1b" in line for line in lines)                # no colour codes: ours come later
    left, top, cols, rows = pc.data_area(lines)
    assert rows == pc.data_rows(H) == H - pc.FRAME_ROWS
    assert lines[top - 1][left - 1] == "┌" and lines[top + rows][left - 1] == "└"
    assert lines[top - 1][left + cols] == "┐"


def test_nothing_carries_over_from_one_plot_to_the_next():
    first = pc.render([pc.Series([0, 10], [8, 0], "█")], *_args())
    second = pc.render([pc.Series([0, 10], [0, 0], "█")], *_args())
    assert "█" in "".join(first)
    left, top, cols, rows = pc.data_area(second)
    marked = {r for r in range(top, top + rows) if "█" in second[r]}
    assert marked == {top + rows - 1}                               # the second series alone


@pytest.mark.parametrize("count", [7, 13, 31])
def test_cell_is_where_plotext_puts_a_point(count):
    """Points land on the column and row :func:`pc.cell` says, in x and in y."""
    rng = np.random.default_rng(count)
    height = count + pc.FRAME_ROWS
    xlim, ylim = (3.0, 3.0 + rng.uniform(10, 5000)), (-2.0, rng.uniform(1, 300))
    ticks = (list(xlim), ["a", "b"]), (list(ylim), ["c", "d"])
    probe = pc.render([pc.Series([xlim[0]], [ylim[0]], " ", lines=False)], W, height, xlim, ylim, *ticks)
    left, top, cols, rows = pc.data_area(probe)
    assert rows == count
    for x, y in zip(rng.uniform(*xlim, 12), rng.uniform(*ylim, 12), strict=True):
        lines = pc.render([pc.Series([x], [y], "█", lines=False)], W, height, xlim, ylim, *ticks)
        (r, c), = [(r, line.index("█")) for r, line in enumerate(lines) if "█" in line]
        assert c - left == pc.cell(x, *xlim, cols)
        assert (top + rows - 1) - r == pc.cell(y, *ylim, rows)


def test_ticks_sit_on_the_rows_cell_gives():
    ylim = (10.0, 10.0 + 2.5 * (pc.data_rows(H) - 1))              # 2.5 a row
    ticks = [15.0, 20.0, 25.0, 30.0]
    lines = pc.render([pc.Series([0, 10], [12, 30], "hd")], W, H, (0.0, 10.0), ylim,
                      ([0, 10], ["0", "10"]), (ticks, [f"{t:g}" for t in ticks]))
    left, top, cols, rows = pc.data_area(lines)
    found = {line[:left - 1].strip(): (top + rows - 1) - r for r, line in enumerate(lines)
             if line[left - 1] == "┤"}
    assert found == {f"{t:g}": int(pc.cell(t, *ylim, rows)) for t in ticks}
    assert [found[k] for k in ("15", "20", "25", "30")] == [2, 4, 6, 8]


def test_no_private_plotext_name_is_used():
    """Only public names: no ``plotext._x`` module import, no ``plotext._x`` attribute."""
    import rnn_tui.tui.plotext_compat
    import rnn_tui.tui.widgets.loss_plot

    for module in (rnn_tui.tui.plotext_compat, rnn_tui.tui.widgets.loss_plot):
        tree = ast.parse(open(module.__file__, encoding="utf-8").read())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("plotext."), (module.__name__, node.module)
            if isinstance(node, ast.Import):
                assert all(not a.name.startswith("plotext.") for a in node.names), module.__name__
            if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
                base = node.value
                while isinstance(base, ast.Attribute):
                    base = base.value
                assert not (isinstance(base, ast.Name) and base.id in ("plotext", "plt")), \
                    (module.__name__, node.attr)
