"""The engine of ``rnn-tui check`` on its own: BPTT with mistakes, the trace, the wire, the report."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rnn_tui.core.model import Spec, backward, forward, init_params
from rnn_tui.core.usercheck import child, variants
from rnn_tui.core.usercheck import trace as tracing
from rnn_tui.core.usercheck.checks import param_errors
from rnn_tui.core.usercheck.contracts import Example, large_example, reference, to_layout, working_params
from rnn_tui.core.usercheck.report import CheckReport, CheckRow, Trace, TraceValue

SPECS = {
    "minchar": (Spec(input_size=7, hidden_size=5, output_size=7), 1),
    "batched": (Spec(input_size=6, hidden_size=4, output_size=6), 3),
    "sigmoid": (Spec(input_size=2, hidden_size=5, output_size=1, activation="sigmoid", head="sigmoid_mse",
                     index_input=False), 2),
    "stacked": (Spec(input_size=3, hidden_size=4, output_size=3, layers=3, head="linear_mse",
                     index_input=False), 4),
}


def example(spec: Spec, B: int, T: int = 6, seed: int = 0):
    rng = np.random.default_rng(seed)
    p = working_params(spec, rng)
    if spec.index_input:
        x = rng.integers(0, spec.input_size, (T, B))
    else:
        x = rng.uniform(-1, 1, (T, B, spec.input_size))
    y = (rng.integers(0, spec.output_size, (T, B)) if spec.head == "softmax_ce"
         else rng.uniform(0, 1, (T, B, spec.output_size)))
    mask = np.ones(T)
    if spec.head == "linear_mse":
        mask[:-2] = 0                                  # the stack task scores the last two steps
    h0 = rng.uniform(-0.5, 0.5, (spec.layers, B, spec.hidden_size))
    return p, Example(x, y, mask, h0)


@pytest.mark.parametrize("which", sorted(SPECS))
def test_the_loop_with_no_mistake_is_rnn_tuis_bptt(which):
    spec, B = SPECS[which]
    p, ex = example(spec, B)
    v = variants.run(spec, p, ex.x, ex.y, ex.h0, ex.mask)
    want = backward(spec, p, forward(spec, p, ex.x, ex.y, ex.h0, ex.mask)).grads
    assert all(e.max_rel < 1e-12 for e in param_errors(v.grads, want))
    ref = reference(spec, p, ex)                       # the stepper, one timestep at a time
    for q in variants.QUANTITIES:
        np.testing.assert_allclose(v.steps[q], ref.steps[q], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("which", sorted(SPECS))
def test_every_mistake_changes_what_bptt_gives(which):
    spec, B = SPECS[which]
    p, ex = example(spec, B)
    right = variants.run(spec, p, ex.x, ex.y, ex.h0, ex.mask)
    for flags in variants.candidates(spec, ex.T, pairs=False)[1:]:
        v = variants.run(spec, p, ex.x, ex.y, ex.h0, ex.mask, flags)
        wrong = [e.name for e in param_errors(v.grads, right.grads) if not e.passed]
        assert wrong or abs(v.loss - right.loss) > 1e-9, f"{set(flags)} changes nothing for {which}"


def test_the_two_dhnext_mistakes_differ_only_in_the_trace():
    spec, B = SPECS["minchar"]
    p, ex = example(spec, B)
    a = variants.run(spec, p, ex.x, ex.y, ex.h0, ex.mask, frozenset({"no_dhnext"}))
    b = variants.run(spec, p, ex.x, ex.y, ex.h0, ex.mask, frozenset({"dhnext_stale"}))
    assert all(e.max_rel == 0 for e in param_errors(a.grads, b.grads))
    assert np.all(b.steps["dhnext"] == 0) and np.abs(a.steps["dhnext"]).max() > 0.01


def test_the_weights_bend_tanh_so_a_derivative_taken_at_the_pre_activation_shows():
    """At a run's first weights (0.01 × randn) the mistake moves the gradients by ~1e-8 of
    their norm; at the check's weights by their own size."""
    spec = Spec(input_size=65, hidden_size=100, output_size=65)           # min-char-rnn's sizes
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 65, (25, 1)), rng.integers(0, 65, (25, 1))
    h0, mask = np.zeros((1, 1, 100)), np.ones(25)
    moved = {}
    for name, params in (("first", init_params(spec, rng, "normal", 0.01)), ("check", working_params(spec, rng))):
        right = variants.run(spec, params, x, y, h0, mask).grads
        wrong = variants.run(spec, params, x, y, h0, mask, frozenset({"deriv_preact"})).grads
        moved[name] = variants.norm({k: wrong[k] - right[k] for k in right}) / variants.norm(right)
    assert moved["first"] < 1e-6 and moved["check"] > 0.1, moved


def test_the_large_example_has_large_gradients_for_softmax_and_not_saturated_for_sigmoid():
    for which, at_least in (("minchar", 20.0), ("sigmoid", 0.05)):
        spec, B = SPECS[which]
        p, ex = example(spec, B)
        params, big, m = large_example(spec, p, ex)
        assert m >= at_least
        g = reference(spec, params, big).grads
        assert max(float(np.abs(v).max()) for v in g.values()) == m


def test_clipping_and_scaling_are_recognised_after_the_loop():
    spec, B = SPECS["minchar"]
    p, ex = example(spec, B)
    g = reference(spec, p, ex).grads

    def close(a, b):
        return all(e.passed for e in param_errors(a, b))

    c = 0.5 * max(float(np.abs(v).max()) for v in g.values())
    assert variants.clip_value_fit({k: np.clip(v, -c, c) for k, v in g.items()}, g, close) == pytest.approx(c)
    assert variants.clip_value_fit(g, g, close) is None                 # nothing was cut
    assert variants.scale_fit({k: 3 * v for k, v in g.items()}, g, close) == pytest.approx(3)
    assert variants.scale_fit(g, g, close) is None


# ---- the trace -------------------------------------------------------------------------------


def column_passes(ref_steps, T, H, forward_loop=True, skip=()):
    """Passes as the child records them from a min-char-rnn loop (column vectors)."""
    passes = []
    if forward_loop:                               # dhnext made before the forward loop
        passes += [{"func": "lossFun", "t": t, "l": None, "values": {"dhnext": np.zeros((H, 1))}}
                   for t in range(T)]
    for t in range(T - 1, -1, -1):
        if t in skip:
            continue
        vals = {q: ref_steps[q][0, t].reshape(-1, 1).copy() for q in variants.QUANTITIES}
        if passes and passes[-1]["t"] == t:
            passes[-1] = {"func": "lossFun", "t": t, "l": None, "values": vals}
        else:
            passes.append({"func": "lossFun", "t": t, "l": None, "values": vals})
    return passes


NAMES = {q: q for q in variants.QUANTITIES}


def steps_for(which="minchar"):
    spec, B = SPECS[which]
    p, ex = example(spec, B)
    return spec, reference(spec, p, ex).steps


def test_the_backward_loop_is_found_after_the_forward_one_and_agrees():
    spec, steps = steps_for()
    T, H = steps["dh"].shape[1], spec.hidden_size
    tr = tracing.compare(column_passes(steps, T, H), True, NAMES, "t", "l", steps, 1e-7, True)
    assert tr.status == "pass" and tr.first_mismatch is None
    assert tr.visited == list(range(T - 1, -1, -1)) and tr.found == list(variants.QUANTITIES)
    assert [(v.t, v.quantity) for v in tr.values[:5]] == [(T - 1, "dy"), (T - 1, "dh"), (T - 1, "dhraw"),
                                                         (T - 1, "dhnext"), (T - 2, "dy")]
    assert tr.values[0].yours.shape == (1, spec.output_size)            # (V, 1) -> one row


def test_the_first_mismatch_is_the_first_in_processing_order():
    spec, steps = steps_for()
    T, H = steps["dh"].shape[1], spec.hidden_size
    passes = column_passes(steps, T, H, forward_loop=False)
    by_t = {p["t"]: p for p in passes}
    by_t[1]["values"]["dy"] = by_t[1]["values"]["dy"] + 1.0            # later in processing order
    by_t[3]["values"]["dhraw"] = by_t[3]["values"]["dhraw"] * 1.01
    tr = tracing.compare(passes, True, NAMES, "t", "l", steps, 1e-7, False)
    fm = tr.first_mismatch
    assert (fm.t, fm.quantity) == (3, "dhraw")
    assert fm.max_abs == pytest.approx(0.01 * np.abs(steps["dhraw"][0, 3]).max())
    assert fm.rel == pytest.approx(0.01 / 1.01)
    assert tr.status == "fail" and [v.ok for v in tr.at(1)] == [False, True, True, True]


def test_a_loop_that_stops_early_is_reported():
    spec, steps = steps_for()
    T, H = steps["dh"].shape[1], spec.hidden_size
    tr = tracing.compare(column_passes(steps, T, H, skip={0}), True, NAMES, "t", "l", steps, 1e-7, False)
    assert tr.status == "fail" and tr.first_mismatch is None and tr.missing == [0]
    assert "never processed t = 0" in tr.note


def test_per_layer_values_and_a_batch_factor():
    spec, steps = steps_for("stacked")
    L, T = steps["dh"].shape[:2]
    passes = []
    for t in range(T - 1, -1, -1):
        for l in range(L - 1, -1, -1):
            vals = {"dy": 4 * steps["dy"][l, t], "dh": 4 * steps["dh"][l, t], "dhraw": 4 * steps["dhraw"][l, t],
                    "dhnext": {"layers": [4 * steps["dhnext"][k, t] if k >= l else np.zeros(4)
                                          for k in range(L)]}}
            passes.append({"func": "loss_and_grads", "t": t, "l": l, "values": vals})
    ok = tracing.compare(passes, True, NAMES, "t", "l", steps, 1e-7, grads_ok=True)
    assert ok.status == "pass" and len(ok.values) == 4 * L * T
    assert "4× the reference at every timestep" in ok.note
    bad = tracing.compare(passes, True, NAMES, "t", "l", steps, 1e-7, grads_ok=False)
    assert bad.status == "fail" and bad.first_mismatch.quantity == "dy"


def test_nothing_traced_says_what_to_name():
    spec, steps = steps_for()
    assert "--names t=NAME" in tracing.compare([], False, NAMES, "t", "l", steps, 1e-7, True).note
    assert "--names dh=NAME" in tracing.compare([], True, NAMES, "t", "l", steps, 1e-7, True).note


def test_values_go_into_rows():
    col = np.arange(5.0).reshape(5, 1)
    assert to_layout(col, (1, 5)).tolist() == [[0, 1, 2, 3, 4]]
    assert to_layout(np.arange(6.0).reshape(3, 2), (2, 3)).tolist() == [[0, 2, 4], [1, 3, 5]]
    assert to_layout(np.zeros((2, 3)), (2, 3)).shape == (2, 3)
    assert to_layout(np.zeros(7), (1, 5)) is None


# ---- the child's wire and the report ----------------------------------------------------------


def test_the_wire_carries_arrays_and_nothing_executable():
    msg = {"a": np.arange(6, dtype=np.int64).reshape(2, 3), "b": [1.5, "x", None, {"c": np.eye(2)}],
           "d": np.float64(2.5), "e": np.zeros(0)}
    back = child.decode(child.encode(msg))
    assert back["a"].tolist() == [[0, 1, 2], [3, 4, 5]] and back["a"].dtype == np.int64
    assert back["b"][3]["c"].tolist() == [[1, 0], [0, 1]] and back["d"] == 2.5 and back["e"].shape == (0,)
    forged = child.encode({"a": np.zeros(2)}).replace(b'"<f8"', b'"|O8"')
    with pytest.raises(ValueError, match="unexpected dtype"):
        child.decode(forged)


def test_the_report_is_json_without_nans():
    tv = TraceValue(3, 0, "dh", np.array([[1.0, np.nan]]), np.array([[1.0, 2.0]]), float("nan"), float("inf"), False)
    r = CheckReport(file="x.py", rows=[CheckRow("forward", "1", "forward", "fail", "differs", value=float("nan"))],
                    trace=Trace("fail", NAMES, values=[tv], first_mismatch=tv))
    d = json.loads(r.to_json())
    assert d["passed"] is False and d["rows"][0]["value"] is None
    assert d["trace"]["first_mismatch"]["yours"] == [[1.0, None]] and d["trace"]["first_mismatch"]["rel"] is None
    assert d["trace"]["values"][0]["difference"] == [[0.0, None]]
    assert "first mismatch: dh at t = 3" in r.to_text()
