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


def _report(top: dict) -> neurons.NeuronReport:
    acts = np.zeros((4, 8))
    return neurons.NeuronReport(text="ab c", acts=acts, sample="", sample_acts=acts[:0], top=top,
                                activation="tanh")


def test_the_best_unit_is_the_largest_correlation_of_either_sign():
    report = _report({"space": [(3, 0.4), (5, -0.2)], "vowel": [(6, -0.7), (1, 0.1)]})
    assert report.best_unit() == (6, "vowel", -0.7)
    assert _report({}).best_unit() is None                  # a text with none of the features


async def test_the_neuron_view_opens_on_the_best_unit_with_a_colour_bar():
    from rnn_tui.tui.app import RnnApp
    from tests.app_helpers import wait_until, worker_ready

    app = RnnApp(trained("charlm"), paused=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await worker_ready(pilot)
        await pilot.press("u")
        await wait_until(pilot, lambda: getattr(app.screen, "report", None) is not None, what="the report")
        await pilot.pause(0.2)
        unit, feature, r = app.screen.report.best_unit()
        assert app.screen.unit == unit and unit != 0           # it once opened on unit 0
        text = str(app.screen.query_one("#nv-body").content)
        assert f"unit {unit} of 0–99" in text and f"follows {feature} (r = {r:+.2f})" in text
        bar = next(line for line in text.splitlines() if "−1.0" in line)
        assert bar.split() == ["−1.0", "−0.8", "−0.6", "−0.4", "−0.2", "0", "+0.2", "+0.4", "+0.6", "+0.8", "+1.0"]
        await pilot.press("right")
        assert app.screen.unit == (unit + 1) % 100
        await pilot.press("1", "5", "0", "enter")                 # past the last unit: says so
        await pilot.pause(0.2)
        assert app.screen.unit == 99
        assert any("the layer has 100 units (0–99)" in n.message for n in app._notifications)
