"""Checkpoints: bit-identical resume, refusal of anything that is not ours, atomic save."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from rnn_tui.core import checkpoint
from rnn_tui.core.checkpoint import CheckpointError
from rnn_tui.core.config import Config
from rnn_tui.core.trainer import Trainer

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
TINY = str(SAMPLES / "tiny.txt")          # 96 characters: streams wrap and reset often
LUNYU = str(SAMPLES / "lunyu.txt")        # another, non-ASCII vocabulary
UNICODE_TEXT = "子曰：學而時習之，不亦說乎？ café naïve — ½ ∂h/∂t 🙂\n" * 20


def run(trainer: Trainer, steps: int) -> list[float]:
    return [trainer.step()["loss"] for _ in range(steps)]


CONFIGS = {
    "charlm-carried": Config(task="charlm", text=TINY, hidden=24, seq_len=10, batch=2,
                             sample_every=7, seed=3),
    "charlm-unicode": Config(task="charlm", text="<unicode>", hidden=24, seq_len=16, batch=3,
                             optimizer="adam", lr=0.01, seed=4),
    "subtraction": Config(task="subtraction", seed=1),
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_resume_is_bit_identical(name, tmp_path):
    cfg = CONFIGS[name]
    if cfg.text == "<unicode>":
        text = tmp_path / "unicode.txt"
        text.write_text(UNICODE_TEXT, encoding="utf-8")
        cfg = dataclasses.replace(cfg, text=str(text))
    straight = Trainer(cfg)
    expected = run(straight, 80)

    first = Trainer(cfg)
    before = run(first, 37)
    path = checkpoint.save(first, tmp_path / "run.npz")
    resumed = checkpoint.load(path)
    assert resumed.iteration == 37
    assert resumed.metrics == first.metrics                # the figures shown before the next step
    after = run(resumed, 43)

    assert before + after == expected
    for k, p in straight.params.items():
        assert np.array_equal(resumed.params[k], p), k
    for k, s in straight.opt.state.items():
        assert np.array_equal(resumed.opt.state[k], s), k
    assert np.array_equal(resumed.hprev, straight.hprev)
    assert resumed.metrics["ema"] == straight.metrics["ema"]
    assert resumed.smooth_loss == straight.smooth_loss
    assert resumed.sample_text == straight.sample_text
    for a, b in zip(resumed.history.arrays(), straight.history.arrays(), strict=True):
        assert np.array_equal(a, b)


def test_carried_state_matters_for_the_resume(tmp_path):
    """The charlm resume test can fail: dropping the saved hprev changes the losses."""
    cfg = CONFIGS["charlm-carried"]
    straight = Trainer(cfg)
    expected = run(straight, 40)
    first = Trainer(cfg)
    run(first, 21)                                # mid-stream: the state is carried
    assert np.abs(first.hprev).max() > 0
    resumed = checkpoint.load(checkpoint.save(first, tmp_path / "c.npz"))
    resumed.hprev[...] = 0.0
    assert run(resumed, 19) != expected[21:]


def test_save_adds_suffix_and_leaves_no_temp_files(tmp_path):
    trainer = Trainer(CONFIGS["subtraction"])
    run(trainer, 3)
    path = checkpoint.save(trainer, tmp_path / "ckpt")
    assert path == tmp_path / "ckpt.npz"
    path = checkpoint.save(trainer, tmp_path / "ckpt.npz")   # overwrite in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.npz"]
    assert checkpoint.load(path).iteration == 3


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    trainer = Trainer(CONFIGS["subtraction"])
    run(trainer, 3)
    path = checkpoint.save(trainer, tmp_path / "keep.npz")
    old = path.read_bytes()
    run(trainer, 3)

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError, match="disk full"):
        checkpoint.save(trainer, path)
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.npz"]
    assert checkpoint.load(path).iteration == 3


def test_saved_file_is_readable_like_any_new_file(tmp_path):
    """mkstemp makes 0600 files; a checkpoint gets the usual mode (0666 less the umask)."""
    import os
    old = os.umask(0o022)
    try:
        path = checkpoint.save(Trainer(CONFIGS["subtraction"]), tmp_path / "c.npz")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


def test_save_into_missing_folder_is_refused(tmp_path):
    trainer = Trainer(CONFIGS["subtraction"])
    with pytest.raises(CheckpointError):
        checkpoint.save(trainer, tmp_path / "nope" / "c.npz")


# ---- refusals --------------------------------------------------------------------------------

@pytest.fixture
def good_ckpt(tmp_path) -> Path:
    trainer = Trainer(CONFIGS["charlm-carried"])
    run(trainer, 5)
    return checkpoint.save(trainer, tmp_path / "good.npz")


def _truncated(tmp_path, good):
    raw = good.read_bytes()
    p = tmp_path / "truncated.npz"
    p.write_bytes(raw[: len(raw) // 2])
    return p, {}


def _random_bytes(tmp_path, good):
    p = tmp_path / "random.npz"
    p.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    return p, {}


def _foreign_npz(tmp_path, good):
    p = tmp_path / "foreign.npz"
    rng = np.random.default_rng(0)
    np.savez(p, a=rng.random((3, 4)), b=rng.integers(0, 9, 5))
    return p, {}


def _other_vocabulary(tmp_path, good):
    return good, {"text": LUNYU}


def _wrong_task(tmp_path, good):
    return good, {"expect_task": "subtraction"}


def _missing(tmp_path, good):
    return tmp_path / "missing.npz", {}


def _empty(tmp_path, good):
    p = tmp_path / "empty.npz"
    p.write_bytes(b"")
    return p, {}


def _npy_array(tmp_path, good):
    p = tmp_path / "array.npz"
    with open(p, "wb") as f:
        np.save(f, np.arange(10))
    return p, {}


@pytest.mark.parametrize("make", [_truncated, _random_bytes, _foreign_npz, _other_vocabulary,
                                  _wrong_task, _missing, _empty, _npy_array],
                         ids=lambda f: f.__name__.strip("_"))
def test_bad_checkpoints_are_refused_in_one_line(make, tmp_path, good_ckpt):
    path, kwargs = make(tmp_path, good_ckpt)
    with pytest.raises(CheckpointError) as info:
        checkpoint.load(path, **kwargs)
    msg = str(info.value)
    assert msg and "\n" not in msg and "\r" not in msg
    assert "pickle" not in msg                                 # not numpy's advice to unpickle it
    assert str(path) in msg
    assert checkpoint.load(good_ckpt).iteration == 5           # the good one still loads


@pytest.mark.parametrize("field, value, says", [
    ("iteration", -3960, "iteration is -3960"),
    ("iteration", 2.5, "not a whole number"),
    ("ema_raw", -1199.0, "ema_raw is -1199.0"),
    ("metrics", {"loss": -1199.0}, "its last loss is -1199.0"),
    ("opt_t", "x", "opt_t is 'x'"),
])
def test_absurd_figures_are_refused(tmp_path, good_ckpt, field, value, says):
    import json as _json
    with np.load(good_ckpt) as z:
        data = {k: z[k] for k in z.files}
    meta = _json.loads(str(data["meta"]))
    meta[field] = value
    data["meta"] = np.array(_json.dumps(meta))
    bad = tmp_path / "edited.npz"
    np.savez(bad, **data)
    with pytest.raises(CheckpointError) as info:
        checkpoint.load(bad)
    assert says in str(info.value) and "\n" not in str(info.value)


def test_another_text_with_the_same_symbols_loads_with_a_warning(tmp_path):
    text = "the quick brown fox jumps over the lazy dog\n" * 50
    (tmp_path / "a.txt").write_text(text)
    (tmp_path / "b.txt").write_text(text[::-1])                    # same symbols, other text
    tr = Trainer(Config(task="charlm", text=str(tmp_path / "a.txt"), seq_len=10))
    run(tr, 3)
    path = checkpoint.save(tr, tmp_path / "c.npz")
    assert checkpoint.load(path).warnings == []
    other = checkpoint.load(path, text=str(tmp_path / "b.txt"))
    assert other.iteration == 3
    assert other.warnings == ["c.npz was trained on another text with the same 28 symbols; it goes on with this one"]


def test_weights_that_are_not_finite_are_refused_on_loading_and_on_saving(tmp_path, good_ckpt):
    """A checkpoint with NaN weights once loaded, and every step then diverged again:
    z, -, z … for ever."""
    with np.load(good_ckpt) as z:
        data = {k: z[k] for k in z.files}
    data["param/Whh"] = np.full_like(data["param/Whh"], np.nan)
    bad = tmp_path / "nan.npz"
    np.savez(bad, **data)
    with pytest.raises(CheckpointError) as info:
        checkpoint.load(bad)
    assert str(info.value) == (f"{bad} cannot be trained from: Whh holds NaN or inf values "
                               "(it was saved after training diverged, or is damaged)")
    trainer = checkpoint.load(good_ckpt)
    trainer.params["Why"][0, 0] = np.inf
    with pytest.raises(CheckpointError, match="parameter Why is not finite .* roll back"):
        checkpoint.save(trainer, tmp_path / "diverged.npz")
    assert not (tmp_path / "diverged.npz").exists()


def test_a_diverged_run_is_autosaved_as_z_would_leave_it(tmp_path, monkeypatch):
    """Quitting (or being killed) right after a divergence keeps the run at its last
    finite state, which loads and trains on."""
    from rnn_tui.core import autosave

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    trainer = Trainer(CONFIGS["charlm-carried"])
    run(trainer, 47)                                              # backups at 20 and 40
    trainer.params["Whh"][...] = np.nan                           # what a divergence leaves
    path = autosave.save(trainer)
    again = checkpoint.load(path)
    assert again.iteration == 40 and np.isfinite(again.params["Whh"]).all()
    again.step()
