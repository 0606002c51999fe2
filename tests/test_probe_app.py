"""The probe (p) and the weights panel in the app (issue 15), driven by keys."""

from __future__ import annotations

import numpy as np

from rnn_tui.core.model import forward
from rnn_tui.tui.app import RnnApp
from rnn_tui.tui.screens.probe import ProbeScreen
from rnn_tui.tui.widgets.bptt_steps import BpttSteps
from rnn_tui.tui.widgets.heatmap import Heatmap
from rnn_tui.tui.widgets.predictions import Predictions
from rnn_tui.tui.widgets.sample_text import SampleText
from rnn_tui.tui.widgets.status_bar import StatusBar
from rnn_tui.tui.widgets.weights import WeightsPanel
from tests.app_helpers import trained, wait_until, worker_ready


def _text(widget) -> str:
    return str(widget.render()) if not hasattr(widget, "content") else str(widget.content)


async def _probe(pilot, text: str) -> None:
    app = pilot.app
    await pilot.press("p")
    await wait_until(pilot, lambda: isinstance(app.screen, ProbeScreen), what="the probe dialog")
    app.screen.query_one("#probe-input").value = text
    await pilot.press("enter")


async def test_a_probed_text_is_what_the_heatmap_and_predictions_show():
    tr = trained("charlm", 60)
    params = {k: v.copy() for k, v in tr.params.items()}
    spec, h0, vocab = tr.spec, tr.config.h0, tr.task.vocab
    app = RnnApp(tr, paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await worker_ready(pilot)
        await _probe(pilot, "Sweet prince")
        await wait_until(pilot, lambda: app.mode == "probe", what="the probe")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, ProbeScreen)          # shown: the dialog is gone
        hm = app.query_one(Heatmap)
        assert hm.labels == tuple("Sweet prince")               # the heatmap's time axis is the text
        assert hm.h.shape[1] == len("Sweet prince")
        ix = np.array([vocab.index(c) for c in "Sweet prince"])
        direct = forward(spec, params, ix[:, None], np.append(ix[1:], 0)[:, None],
                         np.full((1, 1, spec.hidden_size), h0), np.r_[np.ones(len(ix) - 1), 0])
        np.testing.assert_allclose(app.snapshot.probs, direct.probs[:, 0], rtol=1e-12)
        guessed = "".join(vocab[i] for i in direct.probs[:, 0].argmax(axis=1))
        shown = _text(app.query_one(Predictions))
        pred_row = next(line for line in shown.splitlines() if line.startswith("pred"))
        cells = pred_row.split()[1:]                             # one symbol a cell pair, ␣ for a space
        assert "".join(" " if c == "␣" else c for c in cells) == guessed
        # the recent accuracy is training's, and says so beside the user's own input
        assert "training (your input is not counted), recent 60 iterations: next symbol right" in shown
        text = _text(app.query_one(SampleText))
        assert "after your text the network expects:" in text and "Sweet prince" in text
        assert "[probe]" in app.query_one(StatusBar).content
        assert app.query_one("#panel-hidden").border_subtitle == "your input"


async def test_an_input_outside_the_vocabulary_is_refused_in_the_dialog():
    app = RnnApp(trained("charlm", 20), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        await _probe(pilot, "4 score")
        await wait_until(pilot, lambda: isinstance(app.screen, ProbeScreen) and app.screen.has_class("-refused"),
                         what="the refusal")
        assert "not in the vocabulary (65 symbols): '4'" in str(app.screen.query_one("#probe-error").content)
        assert app.mode == ""
        await pilot.press("escape")
        assert not isinstance(app.screen, ProbeScreen)


async def test_enter_on_the_empty_dialog_probes_the_example_it_shows():
    """The example is drawn in the field (a placeholder); enter used to refuse it."""
    app = RnnApp(trained("subtraction", 20), paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await worker_ready(pilot)
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, ProbeScreen), what="the probe dialog")
        assert app.screen.query_one("#probe-input").placeholder == "200 - 73"
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.mode == "probe" and app.probe_view is not None, what="the probe")
        assert app.probe_view.text == "200 - 73" and dict(app.snapshot.info) == {"a": 200, "b": 73, "c": 127}


async def test_probe_then_b_then_a_trains_one_step_on_it_and_esc_returns_to_training():
    app = RnnApp(trained("subtraction", 200), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        start = app.snapshot.iteration
        await _probe(pilot, "100 - 37")
        await wait_until(pilot, lambda: app.mode == "probe", what="the probe")
        assert dict(app.snapshot.info) == {"a": 100, "b": 37, "c": 63}
        await pilot.press("space", "n")                        # training keys are off while probing
        await pilot.pause(0.3)
        assert app.snapshot.iteration == start and app.mode == "probe"
        await pilot.press("b")
        await wait_until(pilot, lambda: app.bptt_view is not None, what="BPTT on the probe")
        assert app.bptt_view.labels == app.snapshot.labels
        assert app.bptt_view.probe                       # titled "your input", not "iteration N"
        await pilot.pause(0.3)
        assert "BPTT step-through · your input · loss" in str(app.query_one(BpttSteps).content)
        await pilot.press("left", "left", "a")
        await wait_until(pilot, lambda: app.snapshot.iteration == start + 1 and app.mode == "probe",
                         what="one step applied, back to the probe")
        assert "after one step on it" in app.message
        assert dict(app.snapshot.info) == {"a": 100, "b": 37, "c": 63}  # still the input, new weights
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.mode == "" and app.probe_view is None, what="the probe left")
        await pilot.pause(0.3)
        assert "[probe]" not in app.query_one(StatusBar).content
        assert app.query_one("#panel-gradients").border_subtitle == f"it {start + 1:,}"   # shown since b
        await pilot.press("n")                                 # training keys work again
        await wait_until(pilot, lambda: app.snapshot.iteration == start + 2, what="a step after the probe")


async def test_the_weights_panel_is_computed_only_while_it_is_on_screen():
    app = RnnApp(trained("charlm", 30), paused=False, backend="thread")
    async with app.run_test(size=(80, 24)) as pilot:
        await worker_ready(pilot)
        session = app.backend.loop
        await pilot.pause(0.5)
        assert not session.views.weights and len(session.dynamics.sigma) == 0
        while app.panel != "weights":
            await pilot.press("tab")
        await wait_until(pilot, lambda: session.views.weights and len(session.dynamics.sigma) >= 2,
                         what="samples while the panel shows")
        await wait_until(pilot, lambda: app.dynamics_view is not None, what="the panel's figures")
        await pilot.pause(0.5)
        panel = app.query_one(WeightsPanel)
        text = _text(panel)
        assert "Whh · 100×100" in text and "σmax" in text and "‖Δθ‖/‖θ‖" in text
        shown = panel._last[0]                                 # the sample it drew (training goes on)
        assert shown is not None and f"{shown.sigma[-1]:.3g}" in text
        await pilot.press("W")                                 # the next parameter's histograms
        await pilot.pause(0.3)
        assert panel.param == "bh"                             # after Whh, in the parameters' order
        await pilot.press("tab")                               # off screen: no more samples
        await wait_until(pilot, lambda: not session.views.weights, what="the session told")
        n = len(session.dynamics.sigma)
        await pilot.pause(1.5)
        assert len(session.dynamics.sigma) == n
