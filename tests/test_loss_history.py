"""The loss history keeps each point's lowest and highest raw loss, through merges,
checkpoints and rollback; an older history (means only) still loads."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_tui.core import Config, Trainer, checkpoint
from rnn_tui.core.history import History
from rnn_tui.core.trainer import DivergenceError


def _filled(cap: int, losses) -> History:
    h = History(cap=cap)
    for i, loss in enumerate(losses, 1):
        h.add(i, float(loss), 0.0)
    return h


def test_each_point_keeps_the_lowest_and_highest_loss_of_its_bucket_after_merges():
    losses = np.random.default_rng(0).normal(50.0, 10.0, 1000)
    losses[617] = 3.25                                           # one deep dip, one spike
    losses[401] = 250.0
    h = _filled(8, losses)
    assert h.bucket > 1                                          # pairs have merged, many times
    it, raw, _, lo, hi = h.arrays()
    prev = 0
    for i, r, a, b in zip(it, raw, lo, hi, strict=True):
        bucket = losses[prev:i]
        assert r == pytest.approx(bucket.mean())
        assert a == bucket.min() and b == bucket.max(), (prev, i)
        prev = i
    assert lo.min() == 3.25 and hi.max() == 250.0


def test_arrays_are_named_and_in_snapshot_order():
    h = _filled(8, [3.0, 1.0, 2.0, 5.0])
    arrays = h.arrays()
    assert arrays._fields == ("it", "raw", "ema", "lo", "hi")
    assert list(arrays.it) == [1, 2, 3, 4] and list(arrays.lo) == list(arrays.raw)


def test_state_round_trip_keeps_the_extremes_of_the_bucket_being_filled():
    losses = np.random.default_rng(1).normal(10.0, 3.0, 300)
    losses[298] = -4.0                                           # in the open bucket at the save
    first = _filled(16, losses[:299])
    assert first._count > 1                                      # a bucket is being filled
    resumed = History()
    resumed.load({k: v.copy() for k, v in first.state().items()})
    i = 299
    while resumed._count:                                        # close that bucket
        i += 1
        resumed.add(i, 10.0, 0.0)
    assert resumed.arrays().lo[-1] == -4.0                       # the dip made before the save


def test_a_history_saved_before_min_and_max_loads_with_the_mean_for_both():
    h = _filled(16, np.arange(1.0, 101.0))
    old = {k: v for k, v in h.state().items() if k not in ("lo", "hi", "open")}
    loaded = History()
    loaded.load(old)
    it, raw, ema, lo, hi = loaded.arrays()
    assert np.array_equal(it, h.arrays().it) and np.array_equal(raw, h.arrays().raw)
    assert np.array_equal(lo, raw) and np.array_equal(hi, raw)
    i = 101
    loaded.add(i, 500.0, 0.0)                                    # and it keeps going
    while loaded._count:
        i += 1
        loaded.add(i, 1.0, 0.0)
    assert loaded.arrays().hi[-1] == 500.0


def _trainer(**kw) -> Trainer:
    return Trainer(Config(task="subtraction", history_cap=16, seed=3, **kw))


def _run(trainer: Trainer, n: int) -> list[float]:
    return [trainer.step()["loss"] for _ in range(n)]


def test_checkpoint_round_trip_keeps_min_and_max(tmp_path):
    straight = _trainer()
    losses = _run(straight, 150)
    first = _trainer()
    _run(first, 101)
    resumed = checkpoint.load(checkpoint.save(first, tmp_path / "run.npz"))
    _run(resumed, 49)
    got, want = resumed.history.arrays(), straight.history.arrays()
    for a, b in zip(got, want, strict=True):
        assert np.array_equal(a, b)
    assert (got.lo < got.raw).any() and (got.hi > got.raw).any()   # real extremes, not the means
    assert got.lo.min() == min(losses[: int(got.it[-1])])


def test_checkpoint_from_before_min_and_max_still_loads(tmp_path):
    trainer = _trainer()
    _run(trainer, 60)
    path = checkpoint.save(trainer, tmp_path / "run.npz")
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files if k not in ("history/lo", "history/hi", "history/open")}
    np.savez(tmp_path / "old.npz", **arrays)
    resumed = checkpoint.load(tmp_path / "old.npz")
    it, raw, _, lo, hi = resumed.history.arrays()
    assert np.array_equal(it, trainer.history.arrays().it)
    assert np.array_equal(lo, raw) and np.array_equal(hi, raw)


def test_rollback_restores_min_and_max_and_the_open_bucket():
    trainer, reference = _trainer(), _trainer()
    every = Trainer.BACKUP_EVERY
    _run(trainer, 5 * every + every // 2 + 1)
    _run(reference, 5 * every)
    trainer.params["Whh"][0, 0] = np.nan
    with pytest.raises(DivergenceError):
        trainer.step()
    trainer.rollback()
    assert reference.history._count > 0                          # the backup had a bucket half full
    more = reference.history.bucket                              # enough to close it
    _run(trainer, more)
    _run(reference, more)
    got, want = trainer.history.arrays(), reference.history.arrays()
    for a, b in zip(got, want, strict=True):
        assert np.array_equal(a, b)
    assert (got.lo < got.raw).any()


def test_a_replay_rebuilds_the_same_min_and_max_as_the_live_run(tmp_path):
    from rnn_tui.core.recording import Recorder, Replayer, read

    live = _trainer()
    recorder = Recorder(live, tmp_path / "run.jsonl", 10)
    for _ in range(300):
        live.step()
        recorder.after_step(live)
    recorder.close(live)
    replayed = Replayer(read(tmp_path / "run.jsonl")).snapshot(29).history   # iteration 300
    want = live.history.arrays()
    assert live.history.bucket > 1 and (want.lo < want.raw).any()
    for a, b in zip(replayed, want, strict=True):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("stop", [13, 27, 38, 41, 55, 69, 84, 97, 131, 199])
def test_rollback_restores_the_backups_history_also_when_points_merged_since(stop):
    """The backup copies only the history points added since its last copy; points
    that merged after it (a cap of 16 merges every few backups) must still come back
    as they were at the backup."""
    trainer, reference = _trainer(), _trainer()
    _run(trainer, stop)
    trainer.params["Whh"][0, 0] = np.nan
    with pytest.raises(DivergenceError):
        trainer.step()
    back_to = trainer.rollback()
    assert back_to == stop // Trainer.BACKUP_EVERY * Trainer.BACKUP_EVERY
    _run(reference, back_to)
    got, want = trainer.history, reference.history
    for a, b in zip(got.arrays(), want.arrays(), strict=True):
        assert np.array_equal(a, b)
    assert (got.n, got.bucket, got._count, got._sum) == (want.n, want.bucket, want._count, want._sum)
    _run(trainer, 40)                                             # and it goes on as the straight run
    _run(reference, 40)
    for a, b in zip(trainer.history.arrays(), reference.history.arrays(), strict=True):
        assert np.array_equal(a, b)
