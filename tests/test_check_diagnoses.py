"""``rnn-tui check`` names the mistake a learner made, not a look-alike: each file
here is the correct min-char-rnn sample with one line changed the way a learner
gets it wrong, and the first finding must say what that line does."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from rnn_tui.core.usercheck.runner import how_it_ended
from rnn_tui.tui.check_cli import check

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "check" / "min_char_rnn.py"


def _learner(tmp_path, name: str, old: str, new: str, src: str | None = None) -> Path:
    """The sample with ``old`` replaced by ``new``, in a folder like samples/check
    (the sample reads ../tiny.txt)."""
    src = SAMPLE.read_text(encoding="utf-8") if src is None else src
    assert old in src, old
    (tmp_path / "tiny.txt").write_bytes((SAMPLE.parent.parent / "tiny.txt").read_bytes())
    (tmp_path / "check").mkdir(exist_ok=True)
    path = tmp_path / "check" / f"{name}.py"
    path.write_text(src.replace(old, new, 1), encoding="utf-8")
    return path


def _report(capsys, path, *flags) -> tuple[int, dict]:
    code = check([str(path), "--json", *flags])
    out = capsys.readouterr()
    return code, json.loads(out.out)


def _first(rep: dict) -> dict:
    assert rep["diagnosis"], rep["rows"]
    return rep["diagnosis"][0]


CASES = {
    # name: (line as in the sample, as the learner wrote it, mistake, words of the title)
    "dy_sign": ("dy[targets[t]] -= 1.0", "dy = -dy; dy[targets[t]] += 1.0", "sign", "wrong sign"),
    "grads_over_T": ("return loss, dWxh, dWhh, dWhy, dbh, dby, hs[T - 1]",
                     "return loss, dWxh / T, dWhh / T, dWhy / T, dbh / T, dby / T, hs[T - 1]",
                     "scaled", "divided by T = 25"),
    "loop_runs_forward": ("for t in reversed(range(T)):\n        dy", "for t in range(T):\n        dy",
                          "loop_forward", "runs forward in time"),
    "skips_last_step": ("for t in reversed(range(T)):\n        dy", "for t in reversed(range(T - 1)):\n        dy",
                        "loop_range", "never processed t = 24"),
    "only_last_step": ("for t in reversed(range(T)):\n        dy", "for t in [T - 1]:\n        dy",
                       "loop_range", "never processed t = 0, 1, 2, 3, 4"),
    "dWhh_without_t0": ("        dWhh += dhraw @ hs[t - 1].T",
                        "        if t > 0:                          # (hs[-1] taken for padding)\n"
                        "            dWhh += dhraw @ hs[t - 1].T",
                        "dWhh_no_t0", "dWhh leaves out t = 0"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_first_finding_names_the_learners_mistake(capsys, tmp_path, name):
    old, new, mistake, said = CASES[name]
    code, rep = _report(capsys, _learner(tmp_path, name, old, new))
    assert code == 1
    first = _first(rep)
    assert first["mistake"] == mistake and said in first["title"], first
    assert "clipped" not in first["title"]                          # what these were taken for


def test_a_loop_that_runs_forward_is_not_said_to_skip_timesteps(capsys, tmp_path):
    old, new, *_ = CASES["loop_runs_forward"]
    _, rep = _report(capsys, _learner(tmp_path, "fwd", old, new))
    row = next(r for r in rep["rows"] if r["key"] == "trace")
    assert "forward in time" in row["summary"] and "never processed" not in rep["trace"]["note"]


def test_gradients_clipped_by_their_norm_are_still_called_clipped(capsys, tmp_path):
    clip = ("    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[T - 1]",
            "    n = np.sqrt(sum(np.sum(g * g) for g in (dWxh, dWhh, dWhy, dbh, dby)))\n"
            "    if n > 5:\n"
            "        dWxh, dWhh, dWhy, dbh, dby = (g * 5 / n for g in (dWxh, dWhh, dWhy, dbh, dby))\n"
            "    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[T - 1]")
    _, rep = _report(capsys, _learner(tmp_path, "clip_norm", *clip))
    assert "clipped" in _first(rep)["title"] and "by their norm" in _first(rep)["title"]


def test_a_wrong_loss_with_right_gradients_blames_the_loss(capsys, tmp_path):
    path = _learner(tmp_path, "loss", "loss -= np.log(ps[t][targets[t], 0])", "loss -= np.log(ps[t][inputs[t], 0])")
    code, rep = _report(capsys, path)
    assert code == 1
    first = _first(rep)
    assert "loss you return is wrong" in first["title"]
    assert not any("mistake of its own" in e for e in first["evidence"])


def test_an_optional_argument_keeps_the_lossFun_contract(capsys, tmp_path):
    path = _learner(tmp_path, "verbose", "def lossFun(inputs, targets, hprev):",
                    "def lossFun(inputs, targets, hprev, verbose=False):")
    code, rep = _report(capsys, path)
    assert code == 0 and rep["passed"] and rep["setup"]["contract"] == "lossFun"


def test_a_weight_global_under_another_name_is_refused_in_one_line(capsys, tmp_path):
    path = _learner(tmp_path, "renamed", "", "", src=SAMPLE.read_text(encoding="utf-8").replace("Wxh", "W_xh"))
    code = check([str(path), "--headless"])
    err = capsys.readouterr().err
    assert code == 2
    assert "not Wxh" in err and err.count("\n") == 1


def test_a_pass_says_what_its_sizes_cannot_show(capsys, tmp_path):
    path = _learner(tmp_path, "no_dhnext", "dh = Why.T @ dy + dhnext", "dh = Why.T @ dy")
    code, rep = _report(capsys, path, "--seq-len", "1")            # the bug cannot show at length 1
    assert code == 0 and any("--seq-len 2" in c for c in rep["caveats"])
    code, rep = _report(capsys, SAMPLE)
    assert code == 0 and rep["caveats"] == []


def test_a_child_killed_by_a_signal_is_named():
    assert how_it_ended(-signal.SIGSEGV) == "was killed by SIGSEGV"
    assert how_it_ended(3) == "ended (exit status 3)"


ROWS_SAMPLE = SAMPLE.parent / "any_task.py"


def test_hints_for_a_row_layout_file_are_written_in_rows(capsys, tmp_path):
    """loss_and_grads files hold rows (B, X): a hint in min-char-rnn's columns would
    contradict the very line the learner has to fix."""
    path = _learner(tmp_path, "rows", "dhnext[l] = dhraw @ params[whh]", "dhnext[l] = dhraw @ params[whh].T",
                    src=ROWS_SAMPLE.read_text(encoding="utf-8"))
    code, rep = _report(capsys, path, "--batch", "3")
    first = _first(rep)
    assert code == 1 and first["mistake"] == "dhnext_Whh", first
    assert "dhraw @ Whh" in first["hint"] and "np.dot" not in first["hint"] + first["title"]


def test_dwhh_without_the_first_timestep_is_named_in_rows(capsys, tmp_path):
    """Leaving the hprev (h0) term out of dWhh used to be "the gradient sums dWhh are
    wrong" with the very line the learner has; it is named, in the file's row form."""
    path = _learner(tmp_path, "rows_t0", "            grads[whh] += dhraw.T @ h[l][t - 1]",
                    "            if t > 0:\n                grads[whh] += dhraw.T @ h[l][t - 1]",
                    src=ROWS_SAMPLE.read_text(encoding="utf-8"))
    code, rep = _report(capsys, path, "--batch", "3")
    first = _first(rep)
    assert code == 1 and first["mistake"] == "dWhh_no_t0", first
    assert "hs[-1] is h0[layer]" in first["hint"] and "dhraw.T @ hs[t-1]" in first["hint"], first["hint"]


def test_one_gradient_off_by_the_batch_size_says_so(capsys, tmp_path):
    path = _learner(tmp_path, "bh_mean", 'grads["bh"] += dhraw.sum(axis=0)', 'grads["bh"] += dhraw.mean(axis=0)',
                    src=(SAMPLE.parent / "subtraction.py").read_text(encoding="utf-8"))
    code, rep = _report(capsys, path, "--task", "subtraction", "--batch", "4")
    first = _first(rep)
    assert code == 1 and "dbh" in first["title"]
    assert "your dbh is exactly 1/4 (1/B) × rnn-tui's" in first["evidence"]
    assert "dy already carries the 1/B" in first["hint"]


def test_a_name_given_for_a_whole_sequence_array_is_left_out_of_the_trace(capsys, tmp_path):
    path = _learner(tmp_path, "whole", "        dWhy += dy @ hs[t].T",
                    "        G[:, t] = dy[:, 0]                  # every timestep's dy, kept\n"
                    "        dWhy += dy @ hs[t].T")
    path.write_text(path.read_text().replace("    dhnext = np.zeros_like(hs[0])\n",
                                             "    dhnext = np.zeros_like(hs[0])\n    G = np.zeros((vocab_size, T))\n"))
    code, rep = _report(capsys, path, "--names", "dy=G")
    assert code == 0 and rep["passed"], rep["rows"]
    assert "so dy is not traced" in rep["trace"]["note"] and "dy" not in rep["trace"]["found"]


FLAT_VECTORS = """\
# min-char-rnn written with 1-D vectors: x (V,), h (H,), biases (H,) and (V,)
import numpy as np

text = "abcabcabdabcabd hello there"
chars = sorted(set(text))
vocab_size = len(chars)
hidden_size = 16

Wxh = np.random.randn(hidden_size, vocab_size) * 0.01
Whh = np.random.randn(hidden_size, hidden_size) * 0.01
Why = np.random.randn(vocab_size, hidden_size) * 0.01
bh = np.zeros(hidden_size)
by = np.zeros(vocab_size)


def lossFun(inputs, targets, hprev):
    T = len(inputs)
    xs, hs, ps = {}, {}, {}
    hs[-1] = hprev.reshape(-1)
    loss = 0.0
    for t in range(T):
        xs[t] = np.zeros(vocab_size)
        xs[t][inputs[t]] = 1.0
        hs[t] = np.tanh(Wxh.dot(xs[t]) + Whh.dot(hs[t - 1]) + bh)
        y = Why.dot(hs[t]) + by
        ps[t] = np.exp(y - y.max()) / np.exp(y - y.max()).sum()
        loss += -np.log(ps[t][targets[t]])
    dWxh = np.zeros_like(Wxh); dWhh = np.zeros_like(Whh); dWhy = np.zeros_like(Why)
    dbh = np.zeros_like(bh); dby = np.zeros_like(by)
    dhnext = np.zeros(hidden_size)
    for t in reversed(range(T)):
        dy = ps[t].copy()
        dy[targets[t]] -= 1
        dWhy += np.outer(dy, hs[t])
        dby += dy
        dh = Why.T.dot(dy) + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        dbh += dhraw
        dWxh += np.outer(dhraw, xs[t])
        dWhh += np.outer(dhraw, hs[t - 1])
        dhnext = Whh.T.dot(dhraw)
    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[T - 1]
"""


def test_a_file_with_flat_bias_vectors_gets_its_globals_in_that_shape(capsys, tmp_path):
    """Its bh (16,) was set as (16, 1), and a correct file crashed in np.outer."""
    path = tmp_path / "flat.py"
    path.write_text(FLAT_VECTORS, encoding="utf-8")
    code, rep = _report(capsys, path)
    assert code == 0 and rep["passed"], rep
    assert rep["setup"]["user_shapes"]["bh"] == "(16,)" and rep["setup"]["user_shapes"]["hprev"] == "(16,)"
    path.write_text(FLAT_VECTORS.replace("dbh += dhraw", "dbh = dhraw"), encoding="utf-8")
    code, rep = _report(capsys, path)
    assert code == 1 and _first(rep)["mistake"] == "dbh_last"


def test_a_file_for_another_task_checked_without_task_says_what_it_was_called_with(capsys):
    """The subtraction sample without --task failed in its own matmul with nothing
    pointing at the missing --task subtraction."""
    code, rep = _report(capsys, SAMPLE.parent / "subtraction.py")
    assert code == 1 and rep["failure"]["stage"] == "gradients"
    hint = rep["failure"]["hint"]
    assert hint.startswith("it was called as task charlm, 1 layer") and "inputs (25, 1) symbol indices" in hint
    assert "needs --task" in hint
    code, rep = _report(capsys, SAMPLE.parent / "subtraction.py", "--task", "subtraction")
    assert code == 0 and rep["passed"]


def test_a_target_index_off_by_one_is_said_to_be_that(capsys, tmp_path):
    """It was blamed on "the recurrent path — dhnext" with the textbook dy line as the hint."""
    path = _learner(tmp_path, "target", "dy[targets[t]] -= 1.0", "dy[targets[t - 1]] -= 1.0")
    code, rep = _report(capsys, path)
    first = _first(rep)
    assert code == 1 and first["title"].startswith("dy is wrong from t = ")
    assert any("(targets[t-1], it seems), not off the target entry" in line for line in first["evidence"])
    assert not any("dhnext" in line for line in first["evidence"])


def test_check_3_looks_where_the_gradient_differs_from_rnn_tuis(capsys, tmp_path):
    """A fancy-index += drops a symbol seen twice at one timestep: few of dWxh's 6,500
    entries are wrong, and check 3's random four entries said "pass"."""
    path = _learner(tmp_path, "fancy", "np.add.at(grads[wxh].T, inputs[t], dhraw)",
                    "grads[wxh][:, inputs[t]] += dhraw.T", src=ROWS_SAMPLE.read_text(encoding="utf-8"))
    code, rep = _report(capsys, path, "--batch", "16")
    rows = {r["key"]: r for r in rep["rows"]}
    assert code == 1 and rows["gradients"]["status"] == "fail"
    assert rows["consistency"]["status"] == "fail" and "dWxh" in rows["consistency"]["summary"]
    # one wrong entry of 10,000: four random ones would miss it
    path = _learner(tmp_path, "one_entry", "    h_last = np.stack(", '    grads["Whh"][3, 7] += 0.01\n    h_last = np.stack(',
                    src=ROWS_SAMPLE.read_text(encoding="utf-8"))
    code, rep = _report(capsys, path)
    rows = {r["key"]: r for r in rep["rows"]}
    assert code == 1 and rows["consistency"]["status"] == "fail" and "dWhh" in rows["consistency"]["summary"]


OTHER_NAMES = """\
# weights with underscores
import numpy as np
H, V = 10, 5
W_xh = np.random.randn(H, V) * 0.01; W_hh = np.random.randn(H, H) * 0.01; W_hy = np.random.randn(V, H) * 0.01
b_h = np.zeros((H, 1)); b_y = np.zeros((V, 1))
def lossFun(inputs, targets, hprev):
    xs, hs, ps = {}, {-1: hprev}, {}
    loss = 0
    for t in range(len(inputs)):
        xs[t] = np.zeros((V, 1)); xs[t][inputs[t]] = 1
        hs[t] = np.tanh(W_xh @ xs[t] + W_hh @ hs[t-1] + b_h)
        y = W_hy @ hs[t] + b_y; ps[t] = np.exp(y) / np.exp(y).sum()
        loss -= np.log(ps[t][targets[t], 0])
    dWxh, dWhh, dWhy = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros_like(W_hy)
    dbh, dby = np.zeros_like(b_h), np.zeros_like(b_y)
    dhnext = np.zeros((H, 1))
    for t in reversed(range(len(inputs))):
        dy = ps[t].copy(); dy[targets[t]] -= 1
        dWhy += dy @ hs[t].T; dby += dy
        dh = W_hy.T @ dy + dhnext
        dhraw = (1 - hs[t] ** 2) * dh
        dbh += dhraw; dWxh += dhraw @ xs[t].T; dWhh += dhraw @ hs[t-1].T
        dhnext = W_hh.T @ dhraw
    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1]
"""


def test_a_lossfun_with_weights_under_other_names_is_told_to_use_min_char_rnns(capsys, tmp_path):
    """Its first call failed with an IndexError in the file and only the header's
    "rnn-tui's defaults" hinted why."""
    path = tmp_path / "names.py"
    path.write_text(OTHER_NAMES, encoding="utf-8")
    code, rep = _report(capsys, path)
    assert code == 1 and "IndexError" in rep["failure"]["message"]
    assert rep["failure"]["hint"].startswith("your file has no global Wxh") and "Wxh, Whh, Why, bh, by" in \
        rep["failure"]["hint"]


def test_a_dy_hint_leaves_the_mask_out_for_a_task_without_one(capsys, tmp_path):
    path = _learner(tmp_path, "dy_sub", "* ps[t] * (1 - ps[t]) / B", "* ps[t] / B",
                    src=(SAMPLE.parent / "subtraction.py").read_text(encoding="utf-8"))
    code, rep = _report(capsys, path, "--task", "subtraction")
    first = _first(rep)
    assert code == 1 and first["title"].startswith("dy is wrong"), first
    assert first["hint"] == "dy = (p - y) * p * (1 - p), then / B", first["hint"]        # subtraction has no mask


def test_a_sigmoid_char_model_is_checked_with_activation_sigmoid_and_named_without(capsys, tmp_path):
    """A correct sigmoid lossFun got "your forward pass computes something else" with a
    tanh hint, and there was no way to check it."""
    path = _learner(tmp_path, "sig", "hs[t] = np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)",
                    "hs[t] = 1 / (1 + np.exp(-(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)))")
    path.write_text(path.read_text().replace("dhraw = (1.0 - hs[t] * hs[t]) * dh", "dhraw = hs[t] * (1 - hs[t]) * dh"))
    code, rep = _report(capsys, path, "--activation", "sigmoid")
    assert code == 0 and rep["passed"] and rep["setup"]["activation"] == "sigmoid"
    code, rep = _report(capsys, path)
    first = _first(rep)
    assert code == 1 and first["mistake"] == "activation" and first["hint"] == "run the check with --activation sigmoid"


ONE_AT_A_TIME = """\
# binary subtraction, one example at a time, 1-D vectors; sigmoid hidden and output units
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def dsigmoid(s):          # derivative, written in terms of the output s = sigmoid(x)
    return s * (1 - s)


def loss_and_grads(params, inputs, targets, h0):
    U, W, V = params["Wxh"], params["Whh"], params["Why"]
    b, c = params["bh"], params["by"]
    T, B, _ = inputs.shape
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    total = 0.0
    h_last = np.zeros_like(h0)
    for n in range(B):                       # one subtraction at a time
        h = {-1: h0[0, n]}
        out = {}
        for t in range(T):
            h[t] = sigmoid(U @ inputs[t, n] + W @ h[t - 1] + b)
            out[t] = sigmoid(V @ h[t] + c)
            total += 0.5 * np.sum((out[t] - targets[t, n]) ** 2)
        h_last[0, n] = h[T - 1]
        dhnext = np.zeros_like(h[0])
        for t in reversed(range(T)):
            dy = (out[t] - targets[t, n]) * dsigmoid(out[t]) / B
            grads["Why"] += np.outer(dy, h[t])
            grads["by"] += dy
            dh = V.T @ dy + dhnext
            dhraw = dsigmoid(h[t]) * dh
            grads["bh"] += dhraw
            grads["Wxh"] += np.outer(dhraw, inputs[t, n])
            grads["Whh"] += np.outer(dhraw, h[t - 1])
            dhnext = W.T @ dhraw
    return total / B, grads, h_last
"""


def test_a_loop_over_one_example_at_a_time_gets_one_line_about_the_trace(capsys, tmp_path):
    """Check 5 repeated "your dy at t = 7 has shape (1,) …" for each of the four names."""
    path = tmp_path / "per_example.py"
    path.write_text(ONE_AT_A_TIME, encoding="utf-8")
    code, rep = _report(capsys, path, "--task", "subtraction", "--batch", "4")
    row = next(r for r in rep["rows"] if r["key"] == "trace")
    assert code == 0 and row["summary"].count("has shape") == 1, row["summary"]
    assert "traced with --batch 1 (this check ran 4)" in row["summary"]
    code, rep = _report(capsys, path, "--task", "subtraction")              # batch 1: traced
    assert code == 0 and next(r for r in rep["rows"] if r["key"] == "trace")["status"] == "pass"


def test_a_loss_and_grads_file_starting_from_zeros_is_told_about_h0_not_hprev(capsys, tmp_path):
    path = _learner(tmp_path, "zeros", "h = [{-1: h0[l]} for l in range(L)]",
                    "h = [{-1: np.zeros_like(h0[l])} for l in range(L)]", src=ROWS_SAMPLE.read_text(encoding="utf-8"))
    code, rep = _report(capsys, path)
    first = _first(rep)
    assert code == 1 and first["mistake"] == "h0_zero"
    said = " ".join([first["title"], first["hint"], *first["evidence"]])
    assert "not from h0 (" in said and "hprev" not in said


def test_a_clip_inside_the_backward_loop_is_said_to_be_one(capsys, tmp_path):
    """dh = np.clip(dh, …) before dhraw got the textbook dh line, which the learner has."""
    path = _learner(tmp_path, "clip_dh", "        dh = Why.T @ dy + dhnext            # from the output, and from t + 1\n",
                    "        dh = Why.T @ dy + dhnext\n        dh = np.clip(dh, -0.05, 0.05)\n")
    code, rep = _report(capsys, path)
    first = _first(rep)
    assert code == 1 and first["title"].startswith("dh is wrong from t = "), first
    assert any("your dh is rnn-tui's cut at ±0.05" in line for line in first["evidence"]), first["evidence"]
    assert first["hint"].startswith("do not clip dh inside the backward loop")


def test_a_wrong_h_last_is_told_apart_from_a_wrong_loss(capsys, tmp_path):
    """hs[-1] (hprev in min-char-rnn's dict) returned as h_last: the loss agrees, and
    was said to be wrong."""
    path = _learner(tmp_path, "h_last", "return loss, dWxh, dWhh, dWhy, dbh, dby, hs[T - 1]",
                    "return loss, dWxh, dWhh, dWhy, dbh, dby, hs[-1]")
    code, rep = _report(capsys, path)
    first = _first(rep)
    assert code == 1 and first["title"].startswith("the h_last you return is not the last hidden state h_24"), first
    assert "loss you return is wrong" not in json.dumps(rep["diagnosis"])
    assert "it is the state the window started from (hprev)" in first["evidence"][0]
    assert first["hint"].startswith("return hs[len(inputs)-1]")


@pytest.mark.parametrize("c", ["1", "5"])
def test_dh_clipped_at_a_usual_bound_inside_the_loop_is_found(capsys, tmp_path, c):
    """At ±1 or ±5 (min-char-rnn's own bound) the main example never reaches the cut:
    every check passed.  The large-gradient example now drives dh past it."""
    path = _learner(tmp_path, f"clip_dh_{c}", "        dh = Why.T @ dy + dhnext            # from the output, and from t + 1\n",
                    f"        dh = Why.T @ dy + dhnext\n        dh = np.clip(dh, -{c}, {c})\n")
    code, rep = _report(capsys, path)
    first = _first(rep)
    assert code == 1 and first["title"] == f"dh is clipped to ±{c} inside the backward loop", first
    assert first["hint"].startswith("do not clip dh inside the backward loop")


def test_gradient_sums_clipped_at_every_timestep_are_found(capsys, tmp_path):
    """min-char-rnn's clipping loop indented into the loop over t."""
    path = _learner(tmp_path, "clip_sums", "        dhnext = Whh.T @ dhraw              # carried back to t - 1\n",
                    "        dhnext = Whh.T @ dhraw\n"
                    "        for g in (dWxh, dWhh, dWhy, dbh, dby):\n            np.clip(g, -5, 5, out=g)\n")
    code, rep = _report(capsys, path)
    first = _first(rep)
    assert code == 1 and first["title"] == ("the gradient sums are clipped to ±5 inside the backward loop, "
                                            "at every timestep"), first
    assert first["hint"].startswith("move the clipping out of the loop over t")


def test_a_loop_counting_its_passes_up_and_indexing_from_the_end_is_backward(capsys, tmp_path):
    """The subtraction tutorial's loop: `for position in range(T)` reading [-position - 1].
    Traced by its counter (--names t=…), it was said to run forward and the file failed."""
    src = (SAMPLE.parent / "subtraction.py").read_text(encoding="utf-8")
    path = _learner(tmp_path, "counted_back", "    for t in reversed(range(T)):\n        dy",
                    "    for position in range(T):\n        t = T - 1 - position\n        dy", src=src)
    code, rep = _report(capsys, path, "--task", "subtraction", "--names", "t=position")
    trace = next(r for r in rep["rows"] if r["key"] == "trace")
    assert code == 0 and trace["status"] == "pass", trace
    assert "your loop's position counts the passes from the end: position = k is timestep t = 7 - k" \
        in trace["summary"]


def test_every_gradient_wrong_with_no_trace_points_at_dy_not_at_the_sums(capsys, tmp_path):
    """The output sigmoid's derivative left out of dy, in loops check 5 cannot trace
    (their variable is not t): "the gradient sums are wrong", with "your dby is exactly
    5.04 × rnn-tui's", a ratio any one-entry gradient has."""
    src = (SAMPLE.parent / "subtraction.py").read_text(encoding="utf-8")
    src = src.replace("for t in", "for s in").replace("[t]", "[s]").replace("[t - 1]", "[s - 1]")
    path = _learner(tmp_path, "dy_no_sigmoid", "dy = (ps[s] - targets[s]) * ps[s] * (1 - ps[s]) / B",
                    "dy = (ps[s] - targets[s]) / B", src=src)
    code, rep = _report(capsys, path, "--task", "subtraction")
    first = _first(rep)
    assert code == 1 and first["title"].startswith("dy, the output's delta, is wrong"), first
    assert first["hint"].startswith("dy = (p - y) * p * (1 - p)")
    assert not any("exactly" in line for line in first["evidence"]), first["evidence"]


def test_a_t_left_over_from_the_forward_loop_is_pointed_out(capsys, tmp_path):
    """The backward loop runs over s while t keeps the forward loop's last value: the
    trace sees one timestep, and the finding now says which --names to give."""
    src = (SAMPLE.parent / "subtraction.py").read_text(encoding="utf-8")
    head, back = src.split("    grads = {k:", 1)
    back = back.replace("for t in reversed", "for s in reversed").replace("[t]", "[s]").replace("[t - 1]", "[s - 1]")
    path = _learner(tmp_path, "t_left_over", "dy = (ps[s] - targets[s]) * ps[s] * (1 - ps[s]) / B",
                    "dy = (ps[s] - targets[s]) / B", src=head + "    grads = {k:" + back)
    code, rep = _report(capsys, path, "--task", "subtraction")
    first = _first(rep)
    assert code == 1 and first["mistake"] == "loop_range", first
    assert any("if your backward loop's variable is not t, name it: --names t=NAME" in line
               for line in first["evidence"]), first["evidence"]


def test_nan_in_what_lossfun_returns_is_said_not_read_as_calls_that_differ(capsys, tmp_path):
    """NaN ≠ NaN: the same call twice "gave different values" and the diagnosis was
    "calls are not independent"."""
    path = _learner(tmp_path, "nan", "    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[T - 1]",
                    "    dWxh[0, 0] = np.nan\n    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[T - 1]")
    code, rep = _report(capsys, path)
    first = _first(rep)
    assert code == 1 and first["title"] == "your lossFun returns NaN or infinite values", first
    assert first["evidence"][0].startswith("dWxh holds 1 NaN or infinite entry")
    repeat = next(r for r in rep["rows"] if r["key"] == "repeat")
    assert repeat["status"] == "pass", repeat


@pytest.mark.parametrize("name, old, new", [
    ("Wxh", "dWxh += dhraw @ xs[t].T", "dWxh = dhraw @ xs[t].T"),
    ("Whh", "dWhh += dhraw @ hs[t - 1].T", "dWhh = dhraw @ hs[t - 1].T"),
    ("Why", "dWhy += dy @ hs[t].T", "dWhy = dy @ hs[t].T"),
])
def test_a_weight_gradient_assigned_instead_of_summed_is_named(capsys, tmp_path, name, old, new):
    """= for +=: named for the biases, but for dWxh "right for one timestep, wrong from
    two: the recurrent path — dhnext — is the suspect" beside "every traced dh agrees"."""
    path = _learner(tmp_path, f"assign_{name}", old, new)
    code, rep = _report(capsys, path)
    first = _first(rep)
    assert code == 1 and first["mistake"] == f"d{name}_last" and first["exact"], first
    assert first["title"] == f"d{name} not accumulated over t"
    assert f"your d{name} is the term of t = 0 alone" in first["evidence"]
    assert not any("dhnext — is the suspect" in line for line in first["evidence"]), first["evidence"]


def test_state_kept_between_calls_in_a_global_is_named(capsys, tmp_path):
    """A global dhnext never zeroed: 'calls are not independent', then 'look for code
    that treats large values specially (clipping, thresholds)', with no clipping there."""
    path = _learner(tmp_path, "global_dhnext", "    dhnext = np.zeros_like(hs[0])\n",
                    "    global dhnext\n")
    src = path.read_text(encoding="utf-8").replace("def lossFun(", "dhnext = np.zeros((hidden_size, 1))\n\n\ndef lossFun(", 1)
    path.write_text(src, encoding="utf-8")
    code, rep = _report(capsys, path)
    first = _first(rep)
    assert code == 1 and first["title"] == "state is kept between calls in the global dhnext", first
    assert first["hint"].startswith("make dhnext a local of the function")
    assert not any("clipping" in f["hint"] for f in rep["diagnosis"]), rep["diagnosis"]
    repeat = next(r for r in rep["rows"] if r["key"] == "repeat")
    assert repeat["summary"] == "the same arguments gave different values (it changes the global dhnext)"


def test_a_trace_that_found_some_names_only_says_which_it_did_not(capsys, tmp_path):
    """dhraw renamed dh_raw: the first difference was given among dy, dh, dhnext alone
    (one timestep late), and nothing said dhraw had not been found."""
    src = SAMPLE.read_text(encoding="utf-8")
    head, back = src.split("    for t in reversed(range(T)):", 1)
    back = back.replace("dhraw", "dh_raw")
    path = _learner(tmp_path, "renamed", "(1.0 - hs[t] * hs[t]) * dh", "(1.0 - hs[t]) * dh",
                    src=head + "    for t in reversed(range(T)):" + back)
    code, rep = _report(capsys, path)
    trace = next(r for r in rep["rows"] if r["key"] == "trace")
    assert code == 1 and trace["summary"].startswith("first difference: "), trace
    assert "dhraw not found in your loop (if yours has another name: --names dhraw=NAME)" in trace["summary"]


def test_a_loss_averaged_over_the_timesteps_is_named(capsys, tmp_path):
    """loss / T (and so gradients / T): 'your forward pass computes something else'."""
    path = _learner(tmp_path, "loss_mean", "        loss -= np.log(ps[t][targets[t], 0])\n",
                    "        loss -= np.log(ps[t][targets[t], 0]) / T\n")
    src = path.read_text(encoding="utf-8").replace("        dy[targets[t]] -= 1.0               # softmax",
                                                   "        dy[targets[t]] -= 1.0\n        dy /= T  # softmax", 1)
    path.write_text(src, encoding="utf-8")
    code, rep = _report(capsys, path)
    first = _first(rep)
    assert code == 1 and first["title"] == "your loss is the mean over the 25 timesteps, not their sum", first
    assert "your gradients are rnn-tui's / 25 too: they follow your loss" in first["evidence"]


def test_a_transposed_dwhh_is_named(capsys, tmp_path):
    path = _learner(tmp_path, "dwhh_T", "        dWhh += dhraw @ hs[t - 1].T", "        dWhh += hs[t - 1] @ dhraw.T")
    code, rep = _report(capsys, path)
    first = _first(rep)
    assert code == 1 and first["title"] == "dWhh is the transpose of what BPTT gives" and first["exact"], first
    assert first["hint"].startswith("dWhh += np.dot(dhraw, hs[t-1].T)")


LIST_STYLE = '''def lossFun(inputs, targets, hprev):
    T = len(inputs)
    xs, hs, ps = [], [np.copy(hprev)], []          # hs[t + 1] is the state after step t
    loss = 0.0
    for t in range(T):
        x = np.zeros((vocab_size, 1))
        x[inputs[t]] = 1.0
        xs.append(x)
        hs.append(np.tanh(Wxh @ x + Whh @ hs[t] + bh))
        e = np.exp(Why @ hs[t + 1] + by - np.max(Why @ hs[t + 1] + by))
        ps.append(e / np.sum(e))
        loss -= np.log(ps[t][targets[t], 0])
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(hprev)
    for t in reversed(range(T)):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1.0
        dWhy += dy @ hs[t + 1].T
        dby += dy
        dh = Why.T @ dy + dhnext
        dhraw = (1.0 - hs[t + 1] * hs[t + 1]) * dh
        dbh += dhraw
        dWxh += dhraw @ xs[t].T
        dWhh += dhraw @ hs[t].T
        dhnext = Whh.T @ dhraw
    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[T]
'''


def test_hints_for_a_file_keeping_its_states_in_a_list_use_its_indexing(capsys, tmp_path):
    """hs = [hprev], so hs[t + 1] is h_t: the hint 'dWhh += np.dot(dhraw, hs[t-1].T)'
    was the dict's indexing, and following it made a new mistake."""
    src = SAMPLE.read_text(encoding="utf-8")
    head, rest = src.split("def lossFun(", 1)
    tail = rest.split("    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[T - 1]\n", 1)[1]
    path = _learner(tmp_path, "list_style", "        dWhh += dhraw @ hs[t].T", "        dWhh += dhraw @ hs[t + 1].T",
                    src=head + LIST_STYLE + tail)
    code, rep = _report(capsys, path)
    first = _first(rep)
    assert code == 1 and first["mistake"] == "dWhh_ht", first
    assert first["title"] == "dWhh built from hs[t+1] instead of hs[t]"
    assert first["hint"].startswith("dWhh += np.dot(dhraw, hs[t].T)")
    correct = _learner(tmp_path, "list_style_ok", "hs[T]", "hs[T]", src=head + LIST_STYLE + tail)
    assert _report(capsys, correct)[0] == 0                       # the list-style file itself is right


def test_truncated_bptt_is_named_with_its_depth(capsys, tmp_path):
    """Denny Britz's bptt_truncate: 'the gradient sums are wrong' with a hint about np.add.at."""
    src = SAMPLE.read_text(encoding="utf-8")
    head, rest = src.split("    for t in reversed(range(T)):\n", 1)
    tail = rest.split("    return loss,", 1)[1]
    britz = '''    for t in reversed(range(T)):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1.0
        dWhy += dy @ hs[t].T
        dby += dy
        delta = (1.0 - hs[t] * hs[t]) * (Why.T @ dy)
        for s in range(t, max(0, t - 3) - 1, -1):       # bptt_truncate = 3
            dWhh += delta @ hs[s - 1].T
            dWxh += delta @ xs[s].T
            dbh += delta
            delta = (1.0 - hs[s - 1] * hs[s - 1]) * (Whh.T @ delta)
    return loss,'''
    path = _learner(tmp_path, "truncated", "return loss,", "return loss,", src=head + britz + tail)
    code, rep = _report(capsys, path)
    first = _first(rep)
    assert code == 1 and first["title"] == "your backward pass goes at most 3 steps back from each t (truncated BPTT)"
    assert first["exact"] and "bptt_truncate = 3" in first["evidence"][1]
