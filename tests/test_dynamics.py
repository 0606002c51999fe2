"""The weights panel's figures equal a direct NumPy computation."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_tui.core import Config, Trainer
from rnn_tui.core.dynamics import Dynamics, Histogram, last_update, sigma_max, spectral_radius


def test_sigma_max_and_spectral_radius():
    W = np.random.default_rng(0).standard_normal((30, 30)) * 0.2
    assert sigma_max(W) == pytest.approx(np.linalg.svd(W, compute_uv=False)[0], rel=1e-12)
    assert spectral_radius(W) == pytest.approx(max(abs(np.linalg.eigvals(W))), rel=1e-12)
    assert spectral_radius(W) <= sigma_max(W) + 1e-12


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adagrad", "adam"])
def test_the_last_update_is_what_the_step_added(optimizer):
    tr = Trainer(Config(task="echo", optimizer=optimizer, lr=0.05, seed=2))
    for _ in range(5):
        tr.step()
    before = {k: v.copy() for k, v in tr.params.items()}
    tr.step()
    rebuilt = last_update(tr.opt, tr.last.bptt.grads)
    for k, w in tr.params.items():
        assert np.allclose(rebuilt[k], w - before[k], rtol=1e-9, atol=1e-15), k


def test_update_ratios_and_sigma_in_a_sample():
    tr = Trainer(Config(task="echo", seed=1))
    dyn = Dynamics()
    for _ in range(3):
        before = {k: v.copy() for k, v in tr.params.items()}
        tr.step()
        dyn.sample(tr)
    view = dyn.view(tr)
    assert view.sigma[-1] == pytest.approx(np.linalg.svd(tr.params["Whh"], compute_uv=False)[0])
    for k, w in tr.params.items():
        direct = np.linalg.norm(w - before[k]) / np.linalg.norm(w)
        assert view.ratios[k][-1] == pytest.approx(direct, rel=1e-9), k
    assert len(view.iterations) == 3 and "(Whh)·max f'" in view.reading()


def test_histograms_keep_one_scale_when_the_range_doubles():
    h = Histogram(bins=8)
    h.add(1, np.array([0.1, -0.2, 0.3]))          # range ±0.5
    h.add(2, np.array([0.9, -0.9]))               # doubles to ±1
    its, counts, r = h.image()
    assert r == 1.0 and list(its) == [1, 2]
    assert counts[0].sum() == 3 and counts[1].sum() == 2    # nothing lost in the merge
    edges = np.linspace(-r, r, 9)
    for row, values in zip(counts, ([0.1, -0.2, 0.3], [0.9, -0.9]), strict=True):
        assert list(row) == list(np.histogram(values, bins=edges)[0])   # as if binned at ±1 from the start


def test_the_gradient_presets_show_in_the_weights_what_their_descriptions_say():
    """vanishing: σmax(Whh) well below 1 at first, the spectral radius below 1 throughout,
    and the reading says gradients shrink; exploding: σmax far above 1 and the reading
    says they can grow.  Each preset's description names the figures."""
    from rnn_tui.core.config import Config
    from rnn_tui.core.trainer import DivergenceError, Trainer
    from rnn_tui.tui.cli import load_preset
    from rnn_tui.core.corpus import samples_dir

    tr, d = Trainer(Config(**load_preset("vanishing"))), Dynamics()
    for i in range(300):
        tr.step()
        if i % 50 == 0:
            d.sample(tr)
    v = d.view(tr)
    assert v.sigma[0] < 0.7 and max(v.radius) < 0.5
    assert "shrink" in v.reading() and "ρ(Whh)" in v.reading()
    said = (samples_dir() / "presets" / "vanishing.toml").read_text()
    assert "σmax(Whh) starts at 0.64" in said and f"{v.sigma[0]:.2f}" == "0.64"

    tr, d = Trainer(Config(**load_preset("exploding"))), Dynamics()
    tr.step()
    d.sample(tr)
    v = d.view(tr)
    assert v.sigma[0] > 10 and "can grow" in v.reading()
    said = (samples_dir() / "presets" / "exploding.toml").read_text()
    assert f"σmax(Whh) is {v.sigma[0]:.0f} after the first step" in said
    with pytest.raises(DivergenceError):
        for _ in range(20):
            tr.step()


@pytest.mark.parametrize("activation, sigma, radius, saturated, says", [
    ("tanh", 0.8, 0.6, 0.0, "σmax(Whh)·max f' = 0.80 < 1: every step back in time shrinks dh"),
    ("sigmoid", 3.0, 2.0, 0.0, "σmax(Whh)·max f' = 0.75 < 1"),           # a sigmoid's slope is ¼ at most
    ("tanh", 1.3, 0.7, 0.0, "ρ(Whh)·max f' = 0.70 < 1: dh shrinks over many steps back"),
    ("tanh", 4.0, 2.0, 0.9, "but 90% of units saturate"),
    ("tanh", 4.0, 2.0, 0.1, "gradients may explode"),
])
def test_the_reading_follows_sigma_rho_and_saturation(activation, sigma, radius, saturated, says):
    from rnn_tui.core.dynamics import DynamicsView

    v = DynamicsView(layer=0, Whh=np.eye(2), iterations=np.array([1]), sigma=np.array([sigma]),
                     radius=np.array([radius]), saturated=np.array([saturated]), ratios={}, weights={},
                     gradients={}, activation=activation)
    assert says in v.reading()


def test_after_a_rollback_the_weights_panel_shows_the_restored_weights():
    """z after a divergence: σmax, ρ and the histograms are those of the weights rolled
    back to, not of the diverged ones (the panel draws them without a step's gradients)."""
    import time

    from textual.color import Color

    from rnn_tui.core import messages as msg
    from rnn_tui.core.session import Session
    from rnn_tui.tui.colours import ROLES, make_palette
    from rnn_tui.tui.widgets.weights import Layout

    tr = Trainer(Config(task="echo", seed=1))
    session = Session(tr, lambda u: None, paused=True)
    session.views = msg.Views(weights=True)
    for _ in range(25):
        session.handle(msg.Step(1))
    tr.params["Whh"] *= 1e4                                         # what a divergence leaves
    session.handle(msg.Step(1))
    diverged = session._dynamics(time.perf_counter()).sigma[-1]
    session.handle(msg.Rollback())
    view = session._dynamics(time.perf_counter())
    restored = np.linalg.svd(session.trainer.params["Whh"], compute_uv=False)[0]
    assert view.sigma[-1] == pytest.approx(restored) and diverged > 100 * restored
    assert view.radius[-1] == pytest.approx(spectral_radius(session.trainer.params["Whh"]))
    assert view.ratios == {} and view.gradients == {} and "Whh" in view.weights
    pal = make_palette({"foreground": "#e0e0e0", **dict.fromkeys(ROLES, "#70a0ff")}, True, Color.parse("#101010"))
    text = "\n".join(str(line) for line in Layout(view, session.trainer.snapshot(), pal, False, "Whh").lines(150, 44))
    assert f"σmax {restored:.3g}" in text and "none yet for these weights" in text and "gradients: after the next step" in text


def test_the_dh_strip_keeps_t0_when_the_timesteps_do_not_fit():
    """The vanishing lesson is read off the t = 0 end: a narrow panel shows evenly
    spaced timesteps from t = 0 to T-1, not only the last ones."""
    import dataclasses

    from textual.color import Color

    from rnn_tui.tui.colours import ROLES, make_palette
    from rnn_tui.tui.widgets.weights import Layout

    tr = Trainer(Config(task="echo", seq_len=40, seed=1))
    dyn = Dynamics()
    tr.step()
    dyn.sample(tr)
    dh = np.full((1, 40), 1e-3)
    dh[0, 0] = 1.0                                                 # only t = 0 is large
    snap = dataclasses.replace(tr.snapshot(), dh_norm=dh)
    pal = make_palette({"foreground": "#e0e0e0", **dict.fromkeys(ROLES, "#70a0ff")}, True, Color.parse("#101010"))
    figures = [str(x) for x in Layout(dyn.view(tr), snap, pal, False, "").figures(30)]
    bars = figures[0].removeprefix("‖dh_t‖ now ").split(" ")[0]
    assert bars[0] == "█" and set(bars[1:]) == {"▁"} and len(bars) < 40
    assert [f.strip() for f in figures[1:3]] == [f"{len(bars)} of 40 timesteps shown", "t=0/t=39 ×1e+03"]   # it says so
    # room for every timestep but not the ratio beside them (80 columns, T = 25): the
    # ratio goes under the strip rather than timesteps being left out
    snap = dataclasses.replace(snap, dh_norm=dh[:, :25])
    figures = [str(x) for x in Layout(dyn.view(tr), snap, pal, False, "").figures(40)]
    assert len(figures[0].removeprefix("‖dh_t‖ now ")) == 25 and figures[1].strip() == "t=0/t=24 ×1e+03"


def test_without_colour_the_matrix_scale_stays_under_the_matrix():
    """NO_COLOR: the scale line says less as the matrix narrows, so the figures beside
    it stay in their column."""
    from textual.color import Color

    from rnn_tui.tui.colours import ROLES, make_palette
    from rnn_tui.tui.widgets.weights import Layout

    tr = Trainer(Config(task="addition", seed=1))
    dyn = Dynamics()
    for _ in range(3):
        tr.step()
        dyn.sample(tr)
    pal = make_palette({"foreground": "#e0e0e0", **dict.fromkeys(ROLES, "#70a0ff")}, True, Color.parse("#101010"))
    lay = Layout(dyn.view(tr), tr.snapshot(), pal, True, "")
    for cols in (14, 24, 40):
        matrix, _ = lay.matrix(cols, 10)
        assert matrix[-1].cell_len <= cols, (cols, str(matrix[-1]))
    wide, narrow = str(lay.matrix(40, 10)[0][-1]), str(lay.matrix(14, 10)[0][-1])
    assert "sign not shown" in wide and wide.startswith("|w|: 0 ")
    assert "−" not in narrow and "+" not in narrow                  # shades of |w|: no signed ends
