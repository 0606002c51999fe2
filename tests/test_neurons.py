"""The neuron view's sample goes on from the text it shows, as the Text panel's goes on
from the training text (a sample from a zero state is mostly noise)."""

from __future__ import annotations

import numpy as np

from rnn_tui.core import neurons
from rnn_tui.core.model import make_cell
from tests.app_helpers import trained


def test_the_sample_continues_the_text_shown(monkeypatch):
    tr = trained("charlm", 200)
    seen = {}
    real = neurons.sample

    def spy(spec, params, h, seed_ix, n, rng, **kw):
        seen.update(h=np.array(h), seed=seed_ix, kw=kw)
        return real(spec, params, h, seed_ix, n, rng, **kw)

    monkeypatch.setattr(neurons, "sample", spy)
    report = neurons.neuron_report(tr, n=300, sample_len=50)
    assert tr.task.vocab[seen["seed"]] == report.text[-1]          # fed the text's last character
    # from the state before it: one cell step on it lands where the text leaves the network
    cell = make_cell(tr.spec)
    a = cell.inputs(tr.params["Wxh"], tr.params["bh"], np.array([seen["seed"]]), True)[0]
    H = tr.spec.hidden_size
    h_next = cell.step(a, seen["h"][0], tr.params["Whh"].T, np.empty(H), np.empty(H))
    assert np.allclose(h_next, report.acts[-1], atol=1e-12)
    assert seen["kw"]["temperature"] == tr.config.temperature and report.temperature == tr.config.temperature
