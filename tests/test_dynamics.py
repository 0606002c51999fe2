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
    assert len(view.iterations) == 3 and "σmax(Whh)" in view.reading()


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
