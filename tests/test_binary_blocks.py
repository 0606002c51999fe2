"""The binary tasks draw their examples 256 at a time (``BinaryArithmetic.BLOCK``);
a step takes its batch from the block.  What a user relies on must not see the
blocks: every batch encodes its own operands, and an undo, a rollback or a
checkpoint taken anywhere — also right at a block's end — goes on with the
examples a straight run trains on."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rnn_tui.core import Config, Trainer, checkpoint
from rnn_tui.core.checkpoint import CheckpointError


def _bits(v: int, n: int) -> list[int]:
    return [(v >> t) & 1 for t in range(n)]


@pytest.mark.parametrize("task,op,B", [("subtraction", lambda a, b: a - b, 1),
                                       ("subtraction", lambda a, b: a - b, 3),
                                       ("addition", lambda a, b: a + b, 1),
                                       ("addition", lambda a, b: a + b, 100)])
def test_every_batch_encodes_its_own_operands_across_blocks(task, op, B):
    trainer = Trainer(Config(task=task, batch=B, seed=4))
    seen = set()
    for _ in range(2 * trainer.task.BLOCK // B + 3):                # into a third block
        batch = trainer.task.next_batch(trainer.rng, B)
        assert batch.x.shape == (8, B, 2) and batch.y.shape == (8, B, 1)
        for b in range(B):
            a_, b_, c_ = (int(batch.info[k][b]) for k in "abc")
            assert c_ == op(a_, b_) and 0 <= c_ < 256
            assert batch.x[:, b, 0].tolist() == _bits(a_, 8)
            assert batch.x[:, b, 1].tolist() == _bits(b_, 8)
            assert batch.y[:, b, 0].tolist() == _bits(c_, 8)
            seen.add((a_, b_))
    assert len(seen) > 0.9 * (2 * trainer.task.BLOCK + 3 * B)      # blocks are not repeated


def _losses(trainer: Trainer, n: int) -> list[float]:
    return [trainer.step()["loss"] for _ in range(n)]


@pytest.mark.parametrize("at", [255, 256, 257, 511])               # around the first block's end
def test_a_checkpoint_anywhere_goes_on_with_the_same_examples(at):
    straight = Trainer(Config(task="subtraction", seed=7))
    _losses(straight, at)
    state = straight.state_dict()
    expected = _losses(straight, 300)
    again = Trainer(Config(task="subtraction", seed=7))            # a fresh process would start so
    again.load_state_dict(state)
    assert _losses(again, 300) == expected


@pytest.mark.parametrize("at", [255, 256, 300])
def test_a_discarded_step_leaves_the_examples_as_they_were(at):
    straight, probed = (Trainer(Config(task="subtraction", seed=5)) for _ in range(2))
    _losses(straight, at)
    _losses(probed, at)
    probed.discard(probed.prepare())                               # the step-through's n, then esc
    assert _losses(probed, 300) == _losses(straight, 300)


def test_a_checkpoint_from_before_the_blocks_loads_and_trains():
    trainer = Trainer(Config(task="subtraction", seed=2))
    _losses(trainer, 40)
    state = trainer.state_dict()
    state["meta"]["position"] = {}                                 # what such a checkpoint holds
    other = Trainer(Config(task="subtraction", seed=2))
    other.load_state_dict(state)
    losses = _losses(other, 50)
    assert all(np.isfinite(losses)) and other.iteration == 90


@pytest.mark.parametrize("position", [{"block_rng": {"bit_generator": "os"}, "batch": 1, "next": 0},
                                      {"block_rng": "PCG64", "batch": 1, "next": 0},
                                      {"block_rng": {"bit_generator": "PCG64", "state": 5}, "batch": 1, "next": 0},
                                      {"batch": 1, "next": 0},
                                      "next-step-9999"])
def test_a_damaged_data_position_is_refused_in_one_line(tmp_path, position):
    trainer = Trainer(Config(task="subtraction", seed=1))
    _losses(trainer, 30)
    path = tmp_path / "run.npz"
    checkpoint.save(trainer, path)
    data = dict(np.load(path))
    meta = json.loads(str(data["meta"]))
    if position == "next-step-9999":
        position = dict(meta["position"], next=9999)
    meta["position"] = position
    data["meta"] = np.array(json.dumps(meta))
    np.savez(path, **data)
    with pytest.raises(CheckpointError) as e:
        checkpoint.load(path)
    assert "damaged or does not match" in str(e.value) and "\n" not in str(e.value)
    assert len(str(e.value)) < 250
