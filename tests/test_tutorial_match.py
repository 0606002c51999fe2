"""rnn-tui's subtraction is tutorial 003's network: from the same initial weights and
the same examples, a tutorial-style loop written here ends on the same weights.

Also: ``--init-from`` starts a run from given weights (either layout), so a run can
begin from exactly the weights of a reference implementation.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnn_tui.core import Config, Trainer
from rnn_tui.core.config import ConfigError


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def tutorial_step(w0, w1, wh, X, Y, alpha=0.9, h0=0.1):
    """One example of tutorial 003's loop (no biases, h starts at 0.1, weights added
    ``alpha × Σ updates`` after the example).  ``X (T, 2)``, ``Y (T, 1)``, LSB first."""
    T, H = X.shape[0], wh.shape[0]
    deltas, values = [], [np.ones(H) * h0]
    for t in range(T):
        layer_1 = _sigmoid(X[t:t + 1] @ w0 + values[-1] @ wh)
        layer_2 = _sigmoid(layer_1 @ w1)
        deltas.append((Y[t:t + 1] - layer_2) * layer_2 * (1 - layer_2))
        values.append(layer_1.copy())
    up0, up1, uph = np.zeros_like(w0), np.zeros_like(w1), np.zeros_like(wh)
    future = np.zeros(H)
    for t in reversed(range(T)):
        layer_1, prev, d2 = values[t + 1], values[t], deltas[t]
        up1 += np.atleast_2d(layer_1).T @ d2
        d1 = (future @ wh.T + d2 @ w1.T) * layer_1 * (1 - layer_1)
        uph += np.atleast_2d(prev).T @ d1
        up0 += X[t:t + 1].T @ d1
        future = d1
    w0 += up0 * alpha
    w1 += up1 * alpha
    wh += uph * alpha


def test_subtraction_matches_the_tutorial_loop_after_10000_examples():
    trainer = Trainer(Config(task="subtraction", seed=3))
    assert set(trainer.params) == {"Wxh", "Whh", "Why"}             # no biases, as the tutorial
    assert trainer.config.h0 == 0.1
    # the tutorial's layout: h_t = σ(x_t w0 + h_{t-1} wh), y_t = σ(h_t w1)
    w0, wh, w1 = (trainer.params[k].T.copy() for k in ("Wxh", "Whh", "Why"))
    for _ in range(10_000):
        trainer.step()
        batch = trainer.last.batch
        tutorial_step(w0, w1, wh, batch.x[:, 0], batch.y[:, 0])
    for ours, theirs in (("Wxh", w0), ("Whh", wh), ("Why", w1)):
        assert np.abs(trainer.params[ours].T - theirs).max() < 1e-12, ours
    assert np.abs(w0).max() > 1.0                                    # they really trained


def test_a_bias_changes_the_network_and_is_a_setting():
    with_bias = Trainer(Config(task="subtraction", bias=True))
    assert {"bh", "by"} <= set(with_bias.params)
    charlm = Trainer(Config(task="echo", bias=False))
    assert not {"bh", "by"} & set(charlm.params)
    charlm.step()                                                   # trains without them


@pytest.mark.parametrize("layout", ["rnn-tui", "min-char-rnn"])
def test_init_from_starts_from_exactly_those_weights(tmp_path, layout):
    ref = Trainer(Config(task="echo", seed=5))
    rng = np.random.default_rng(1)
    weights = {k: rng.standard_normal(v.shape) * 0.1 for k, v in ref.params.items()}
    saved = {k: (v[:, None] if layout == "min-char-rnn" and v.ndim == 1 else v) for k, v in weights.items()}
    np.savez(tmp_path / "w.npz", **saved)
    tr = Trainer(Config(task="echo", seed=5, init_from=str(tmp_path / "w.npz")))
    for k, v in weights.items():
        assert np.array_equal(tr.params[k], v), k
    plain = Trainer(Config(task="echo", seed=5))
    assert np.array_equal(tr.task.next_batch(tr.rng, 1).x, plain.task.next_batch(plain.rng, 1).x)  # same data


@pytest.mark.parametrize("content, says", [
    ({"Wxh": np.zeros((10, 2))}, "lacks Whh"),
    ("extra", "has Wxy, which this network does not have"),
    ("shape", "Whh has shape (3, 3), the network needs (10, 10)"),
    ("nan", "Why holds non-finite values"),
    ("ints", "Whh is not an array of floats"),
    ("checkpoint", "is an rnn-tui checkpoint, not a weights file: continue it with --load"),
])
def test_init_from_refuses_weights_that_do_not_fit(tmp_path, content, says):
    good = {k: np.zeros(v.shape) for k, v in Trainer(Config(task="echo")).params.items()}
    if content == "extra":
        content = dict(good, Wxy=np.zeros(3))
    elif content == "shape":
        content = dict(good, Whh=np.zeros((3, 3)))
    elif content == "nan":
        content = dict(good, Why=np.full(good["Why"].shape, np.nan))
    elif content == "ints":
        content = dict(good, Whh=np.zeros((10, 10), dtype=int))
    elif content == "checkpoint":                                  # what s saves
        content = Trainer(Config(task="echo")).state_dict()["arrays"]
    np.savez(tmp_path / "w.npz", **content)
    with pytest.raises(ConfigError, match="--init-from") as info:
        Trainer(Config(task="echo", init_from=str(tmp_path / "w.npz")))
    assert says in str(info.value) and "\n" not in str(info.value)


def test_init_from_a_missing_or_bad_file_is_one_line(run_cli, tmp_path):
    out = run_cli("--headless", "--task", "echo", "--init-from", tmp_path / "nope.npz")
    assert out.returncode == 2 and out.stderr.startswith("rnn-tui: error: --init-from: weights file not found")
    (tmp_path / "t.npz").write_text("not a zip")
    out = run_cli("--headless", "--task", "echo", "--init-from", tmp_path / "t.npz")
    assert out.returncode == 2 and "not an .npz file" in out.stderr and "Traceback" not in out.stderr
