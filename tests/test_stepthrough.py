"""Step-through debugging (issue 4): forward walk, gradient check, neuron view."""

from __future__ import annotations

import io

import numpy as np

from rnn_tui.core.model import backward, forward_terms
from rnn_tui.core.neurons import correlations
from tests.app_helpers import trained, wait_until, worker_ready
from rnn_tui.tui.app import RnnApp
from rnn_tui.tui.screens.gradcheck import GradcheckScreen
from rnn_tui.tui.screens.neurons import NeuronScreen
from rnn_tui.tui.widgets.heatmap import Heatmap


def test_forward_terms_add_up_to_the_cached_preactivation():
    tr = trained("stack", 20)
    p = tr.prepare()
    for layer in range(tr.spec.layers):
        for t in range(p.cache.h.shape[1]):
            f = forward_terms(tr.spec, tr.params, p.cache, t, layer)
            np.testing.assert_allclose(f["xterm"] + f["hterm"] + f["bh"], f["hraw"], rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(np.tanh(f["hraw"]), f["h"], rtol=1e-12)


def test_correlations_find_a_unit_built_to_follow_spaces():
    text = "ab cd ef gh ij kl " * 10
    rng = np.random.default_rng(0)
    acts = rng.normal(size=(len(text), 6)) * 0.1
    acts[:, 4] += np.array([c == " " for c in text]) * 1.0
    top = correlations(text, acts)
    assert top["space"][0][0] == 4 and top["space"][0][1] > 0.9
    assert "newline" not in top                      # a feature absent from the text is left out


async def test_forward_walk_fills_the_heatmap_column_by_column():
    app = RnnApp(trained("charlm", 30), paused=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await worker_ready(pilot)
        await pilot.press("f", "right", "right", "right")
        await wait_until(pilot, lambda: app.forward_view is not None and app.forward_view.t == 2,
                         what="forward t = 2")
        await pilot.pause(0.2)
        hm = app.query_one(Heatmap)
        assert hm.cursor == 2
        assert np.isfinite(hm.h[0, :3]).all() and np.isnan(hm.h[0, 3:]).all()
        text = str(app.query_one("#grads").content)
        assert "hraw_t = Wxh x_t + Whh h_{t−1} + bh" in text and "loss_t = −log" in text
        await pilot.press("left")
        await wait_until(pilot, lambda: app.forward_view.t == 1, what="back to t = 1")
        await pilot.press("b")                       # the same example, now backward
        await wait_until(pilot, lambda: app.bptt_view is not None, what="BPTT")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.mode == "", what="leave")
        assert app.snapshot.iteration == 30


async def test_the_forward_formulas_name_only_the_biases_the_network_has():
    """Subtraction has no biases: its formulas once showed + bh and + by anyway."""
    app = RnnApp(trained("subtraction", 5), paused=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await worker_ready(pilot)
        await pilot.press("f", "right")
        await wait_until(pilot, lambda: app.forward_view is not None and app.forward_view.t == 0, what="forward t = 0")
        await pilot.pause(0.2)
        text = str(app.query_one("#grads").content)
        assert "hraw_t = Wxh x_t + Whh h_{t−1}\n" in text and "output_t = sigmoid(Why h_t)\n" in text
        assert "bh" not in text and "by" not in text


async def test_displayed_dh_norms_are_the_steppers_values():
    ref = trained("echo", 40)
    p = ref.prepare()
    for _ in range(4):
        p.bptt.step()
    app = RnnApp(trained("echo", 40), paused=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await worker_ready(pilot)
        await pilot.press("b", "left", "left", "left", "left")
        await wait_until(pilot, lambda: app.bptt_view is not None and app.bptt_view.processed == 4,
                         what="four BPTT steps")
        assert np.array_equal(app.bptt_view.dh_norm, p.bptt.dh_norm, equal_nan=True)


async def test_gradcheck_through_the_ui_passes_on_a_healthy_model():
    app = RnnApp(trained("charlm", 50), paused=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await worker_ready(pilot)
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(app.screen, GradcheckScreen)
                         and app.screen.verdict is not None, timeout=30, what="check finished")
        assert app.screen.verdict is True
        await pilot.press("escape")
        assert app.snapshot.iteration == 50              # checking trains nothing


async def test_gradcheck_with_only_zero_gradients_says_it_tested_nothing():
    """A learnt task (loss 0.0000) once got "pass" everywhere and "all gradients agree"
    while no entry it sampled carried a gradient."""
    from textual.app import App

    from rnn_tui.core.gradcheck import CheckResult
    from rnn_tui.core.messages import GradcheckProgress

    def result(name, nonzero):
        return CheckResult(name, (8,), 8, 0.0, 0.0, nonzero=nonzero)

    def shown(screen) -> str:
        from rich.console import Console

        console = Console(width=120, record=True, file=io.StringIO())
        console.print(screen.query_one("#gc-table").content)
        return console.export_text()

    app = App()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = GradcheckScreen()
        await app.push_screen(screen)
        screen.show(GradcheckProgress(True, 16, 16, (result("Whh", 0), result("by", 0))))
        await pilot.pause(0.1)
        text = shown(screen)
        assert screen.done and screen.verdict is None
        assert "nothing tested" in text and "all gradients agree" not in text and "pass" not in text
        screen.show(GradcheckProgress(True, 16, 16, (result("Whh", 5), result("by", 0))))
        await pilot.pause(0.1)
        text = shown(screen)
        assert screen.verdict is True and "all gradients agree (by: only zero gradients sampled)" in text
        assert "zeros only" in text


async def test_gradcheck_flags_a_corrupted_backward():
    def wrong(spec, params, cache):
        grads = backward(spec, params, cache).grads
        grads["Whh"] *= 1.05                             # a subtly wrong BPTT
        return grads

    app = RnnApp(trained("echo", 50), paused=True, backend="thread")
    async with app.run_test(size=(120, 36)) as pilot:
        app.backend.loop.gradcheck_grad_fn = wrong
        await worker_ready(pilot)
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(app.screen, GradcheckScreen)
                         and app.screen.verdict is not None, timeout=30, what="check finished")
        assert app.screen.verdict is False


async def test_neuron_view_picks_units_by_arrows_and_typed_number():
    app = RnnApp(trained("charlm", 50), paused=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await worker_ready(pilot)
        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, NeuronScreen) and app.screen.report is not None,
                         what="neuron report")
        scr = app.screen
        assert scr.report.acts.shape == (len(scr.report.text), 100)
        start = scr.report.best_unit()[0]                # it opens on the best-matching unit
        assert scr.unit == start
        await pilot.press("right", "right")
        assert scr.unit == (start + 2) % 100
        await pilot.press("4", "2", "enter")
        assert scr.unit == 42
        body = str(scr.query_one("#nv-body").content)
        assert "unit 42 of 0–99" in body and "space" in body
        first = scr.report
        await pilot.press("r")                           # a new sample, though training is paused
        await wait_until(pilot, lambda: scr.report is not first, what="second neuron report")
        assert scr.report.sample != first.sample and scr.report.text == first.text
        await pilot.press("escape")
        assert not isinstance(app.screen, NeuronScreen)
        assert app.snapshot.task == "charlm"             # digits did not switch the task
        for key in ("u", "q"):                           # u toggles it; q closes it, as in the other views
            await pilot.press("u")
            await wait_until(pilot, lambda: isinstance(app.screen, NeuronScreen), what="neuron view")
            await pilot.press(key)
            await pilot.pause(0.1)
            assert not isinstance(app.screen, NeuronScreen) and app.is_running


def test_the_dh_strip_scale_has_one_value_until_there_are_two():
    from rnn_tui.tui.widgets.grad_flow import strip

    bars, scale = strip(np.array([np.nan, np.nan, 2.38]))     # one timestep processed
    assert scale == "2.38e+00" and bars.plain.count("·") == 2
    _, scale = strip(np.array([np.nan, 0.1, 10.0]))
    assert scale == "log scale: ▁ 1.00e-01 … █ 1.00e+01"


async def test_subtraction_predictions_in_bptt_are_of_the_step_through_example():
    # the panel once took a, b and a−b from the last example trained on but the
    # probabilities from the step-through's next example, marking right answers wrong
    app = RnnApp(trained("subtraction", 200), paused=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await worker_ready(pilot)
        last = (int(app.snapshot.info["a"]), int(app.snapshot.info["b"]))
        await pilot.press("b")
        await wait_until(pilot, lambda: app.bptt_view is not None, what="BPTT mode")
        await pilot.pause(0.3)
        view = app.bptt_view
        a = sum(int(x[0]) << i for i, x in enumerate(view.labels))
        b = sum(int(x[1]) << i for i, x in enumerate(view.labels))
        assert (a, b) != last                            # another example than the last trained
        text = str(app.query_one("#preds").content)
        def bits(v):                                     # t=0 (the least significant bit) first
            return " ".join(str((v >> i) & 1) for i in range(8))
        assert f"a = {a:>3}  {bits(a)}" in text and f"b = {b:>3}  {bits(b)}" in text
        assert f"a−b = {a - b:>3}  {bits(a - b)}" in text


def test_closing_the_gradient_check_stops_it_and_keeps_the_keys_sent_meanwhile():
    from collections import deque

    from rnn_tui.core import messages as msg
    from rnn_tui.core.session import Session

    published = []
    loop = Session(trained("charlm", 5), published.append, paused=False)
    sent = deque([msg.Pause(), msg.GradcheckCancel()])       # typed while the check runs
    loop._recv = lambda timeout: sent.popleft() if sent else None
    loop.handle(msg.Gradcheck(entries=8))
    checks = [u.gradcheck for u in published if u.gradcheck is not None]
    assert checks and not any(c.done for c in checks)        # stopped before the end
    assert checks[-1].checked < checks[-1].total
    assert loop.pending is None and loop.trainer.iteration == 5
    assert loop.running                                       # as before the check
    assert list(loop._backlog) == [msg.Pause()]               # kept, handled next
    assert loop._next(0) == msg.Pause() and loop._next(0) is None


def test_a_finished_gradient_check_resumes_training_that_was_running():
    from rnn_tui.core import messages as msg
    from rnn_tui.core.session import Session

    published = []
    loop = Session(trained("echo", 5), published.append, paused=False)
    loop.handle(msg.Gradcheck(entries=2))
    assert published[-1].gradcheck.done and not published[-1].gradcheck.error
    assert loop.running and loop.pending is None
