"""Probing the network with an input of one's own (issue 15), in the session: what
each task takes and refuses, that a probe leaves training bit for bit as it was,
and that applying the step-through's update on a probe is one training step on it."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from rnn_tui.core import messages as msg
from rnn_tui.core.config import Config
from rnn_tui.core.model import forward, loss_and_grads
from rnn_tui.core.optim import clip_grads
from rnn_tui.core.probe import MAX_LENGTH
from rnn_tui.core.session import Session
from rnn_tui.core.trainer import Trainer


def _session(task: str, steps: int = 0, **kw):
    out: list = []
    tr = Trainer(Config(task=task, seed=5, **kw))
    for _ in range(steps):
        tr.step()
    s = Session(tr, out.append, paused=True)
    return s, out


def _shown(s: Session, out: list) -> msg.Update:
    s._publish_snapshot(0.0)
    return out[-1]


def _same_state(a: dict, b: dict) -> None:
    assert a["arrays"].keys() == b["arrays"].keys()
    for k in a["arrays"]:
        np.testing.assert_array_equal(a["arrays"][k], b["arrays"][k], err_msg=k)
    ma, mb = dict(a["meta"]), dict(b["meta"])
    for m in (ma, mb):
        m.pop("run_id"), m.pop("train_seconds")
    assert ma == mb


def test_a_probed_text_is_what_the_views_show_with_what_follows_it():
    s, out = _session("charlm", 30)
    s.handle(msg.Probe("the king"))
    u = _shown(s, out)
    assert u.snapshot.labels == tuple("the king")
    assert u.snapshot.targets == (*"he king", "")          # nothing is known after the last one
    assert u.snapshot.h.shape[1] == 8 and u.snapshot.dh_norm.shape == (1, 8)
    assert np.isfinite(u.snapshot.dh_norm).all()
    tr = s.trainer
    ix = np.array([tr.task.char_to_ix[c] for c in "the king"])
    h0 = np.full((1, 1, tr.spec.hidden_size), tr.config.h0)
    direct = forward(tr.spec, tr.params, ix[:, None], np.append(ix[1:], 0)[:, None], h0, np.r_[np.ones(7), 0])
    np.testing.assert_array_equal(u.snapshot.probs, direct.probs[:, 0])
    p = direct.probs[-1, 0]
    assert [c for c, _ in u.probe.top] == [tr.task.vocab[i] for i in np.argsort(-p, kind="stable")[:5]]
    assert u.probe.top[0][1] == pytest.approx(p.max())
    assert u.probe.continuation and u.snapshot.sample == "the king" + u.probe.continuation
    assert u.probe.loss == pytest.approx(direct.loss)
    assert (u.probe.T, u.probe.scored) == (8, 7)                # 7 next characters are predicted


@pytest.mark.parametrize("task, text, labels, info", [
    ("subtraction", "12 - 5", ("01", "00", "11", "10", "00", "00", "00", "00"), {"a": 12, "b": 5, "c": 7}),
    ("addition", "100+27", ("01", "01", "10", "01", "01", "10", "10", "00"), {"a": 100, "b": 27, "c": 127}),
    ("echo", "01101 00111", tuple("0110100111"), {}),
])
def test_numbers_and_bit_strings_are_probed_as_examples_of_their_task(task, text, labels, info):
    s, out = _session(task, 5)
    s.handle(msg.Probe(text))
    u = _shown(s, out)
    assert u.probe.error == ""
    assert u.snapshot.labels == labels and dict(u.snapshot.info) == info


@pytest.mark.parametrize("task, text, says", [
    ("charlm", "the q€een", "not in the vocabulary (65 symbols): '€'"),
    ("charlm", "", "type a text"),
    ("charlm", "x", "type at least two symbols"),           # nothing would be scored: a step on it is 0
    ("hello", "h", "type at least two symbols"),
    ("charlm", "a" * (MAX_LENGTH + 1), f"at most {MAX_LENGTH} characters"),
    ("hello", "help", "not in the vocabulary (4 symbols): 'p'"),
    ("subtraction", "12", "type two whole numbers (0 or more) as a - b, e.g. 200 - 73"),
    ("subtraction", "5 + 3", "as a - b"),                    # the other task's operator
    ("addition", "100 - 27", "as a + b"),
    ("addition", "-5 + 3", "(0 or more)"),
    ("subtraction", "5 - 12", "must fit in 8 bits"),
    ("addition", "200 + 100", "must fit in 8 bits"),
    ("subtraction", "300 - 100", "a and b must each fit in 8 bits (0 … 255): a = 300"),   # not "= 200"
    ("addition", "7 + 999", "a and b must each fit in 8 bits (0 … 255): b = 999"),
    ("echo", "0120", "type a bit string of 0s and 1s"),
    ("echo", "01", "type more than 2 bits"),
    ("stack", "anything", "task stack has no input to type"),
])
def test_an_input_the_task_cannot_take_is_refused_in_one_line_and_nothing_changes(task, text, says):
    s, out = _session(task, 3)
    before = s.trainer.state_dict()
    s.handle(msg.Probe(text))
    refusal = [u.probe for u in out if u.probe is not None][-1]
    assert says in refusal.error and "\n" not in refusal.error
    assert s.pending is None and s.probing is None
    _same_state(before, s.trainer.state_dict())


@pytest.mark.parametrize("task, text", [("charlm", "to be or not"), ("subtraction", "77 - 30")])
def test_probing_then_leaving_leaves_training_bit_identical_to_never_probing(task, text):
    s, out = _session(task, 10)
    twin = copy.deepcopy(s.trainer)
    s.handle(msg.Probe(text))
    _shown(s, out)
    for move in ("begin", "back", "back", "undo", "all"):        # a look at its BPTT too
        s.handle(msg.Bptt(move))
    s.handle(msg.Bptt("discard"))                               # back to the probe
    s.handle(msg.Forward("begin"))
    s.handle(msg.Forward("next"))
    s.handle(msg.Forward("discard"))
    s.handle(msg.Probe("to be" if task == "charlm" else "3 - 1"))   # another input
    s.handle(msg.LeaveProbe())
    assert s.pending is None and s.probing is None
    s.handle(msg.Step(15))
    for _ in range(15):
        twin.step()
    _same_state(twin.state_dict(), s.trainer.state_dict())


def test_leaving_a_probe_resumes_training_that_was_running():
    s, out = _session("echo", 2)
    s.running = True
    s.handle(msg.Probe("0101"))
    assert not s.running
    s.handle(msg.LeaveProbe())
    assert s.running


@pytest.mark.parametrize("task, text", [("charlm", "what light through"), ("addition", "9 + 90")])
def test_bptt_then_apply_on_a_probe_is_one_training_step_on_that_example(task, text):
    s, out = _session(task, 12, clip_mode="value", clip=5.0)
    tr = s.trainer
    params, opt, hprev = copy.deepcopy(tr.params), copy.deepcopy(tr.opt), tr.hprev.copy()
    batch = tr.task.probe_batch(text)
    s.handle(msg.Probe(text))
    s.handle(msg.Bptt("begin"))
    s.handle(msg.Bptt("back"))
    s.handle(msg.Bptt("apply"))
    # the same step written out: forward from a fresh state, full BPTT, clipping, the optimizer
    y = batch.y if tr.spec.head == "softmax_ce" else batch.y.astype(float)
    x = batch.x if tr.spec.index_input else batch.x.astype(float)
    h0 = np.full((tr.spec.layers, 1, tr.spec.hidden_size), tr.config.h0)
    _, grads, _ = loss_and_grads(tr.spec, params, x, y, h0, batch.mask)
    clip_grads(grads, "value", 5.0)
    opt.step(params, grads)
    for k in params:
        np.testing.assert_allclose(tr.params[k], params[k], rtol=1e-12, atol=1e-15, err_msg=k)
    assert tr.iteration == 13
    np.testing.assert_array_equal(tr.hprev, hprev)            # the data's carried state is not the probe's
    said = [u.event.text for u in out if u.event is not None][-1]
    assert said.startswith("your input's loss ") and said.endswith(" after one step on it (iteration 13)")
    assert s.probing is not None and s.probing.applied == 1    # still probing, on the new weights
    assert _shown(s, out).probe.loss < float(said.split("loss ")[1].split(" → ")[0])
