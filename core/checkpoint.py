"""Checkpoints: one ``.npz`` holding everything needed to continue a run bit for bit.

Keys: ``format`` (``"rnn-tui-checkpoint"``), ``version``, ``config`` (JSON),
``meta`` (JSON: iteration, RNG states, data position, moving averages, vocabulary,
optimizer step count), ``param/<name>``, ``opt/<slot>/<name>``, ``hprev``,
``history/<field>``.  Loaded with ``allow_pickle=False``; written to a temporary file
in the same folder and renamed over the target, so a crash never leaves a half file.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from rnn_tui.core.config import Config, ConfigError

FORMAT = "rnn-tui-checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    """The file is not a usable checkpoint; the message says why."""


def save(trainer, path: str | os.PathLike) -> Path:
    """Write ``trainer``'s full state to ``path`` atomically; returns the path."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    bad = trainer.bad_param()
    if bad:
        raise CheckpointError(f"cannot save checkpoint: parameter {bad} is not finite (training diverged); "
                              "roll back (z) first")
    state = trainer.state_dict()
    arrays = {"format": np.array(FORMAT), "version": np.array(VERSION),
              "config": np.array(json.dumps(_portable(dataclasses.asdict(trainer.current_config())))),
              "meta": np.array(json.dumps(state["meta"])), **state["arrays"]}
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise CheckpointError(f"cannot save checkpoint: folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise CheckpointError(f"cannot save checkpoint in {folder}: {e.strerror or e}") from None
    try:
        os.chmod(tmp, 0o666 & ~_umask())        # mkstemp makes 0600; a save is an ordinary file
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _portable(cfgd: dict) -> dict:
    """The config as saved: the corpus by its absolute path, so ``--load`` works from any folder."""
    if cfgd.get("text"):
        cfgd["text"] = str(Path(cfgd["text"]).resolve())
    return cfgd


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _read_npz(path: str | os.PathLike, what: str = "checkpoint") -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` file (never unpickled), or :class:`CheckpointError`
    naming ``path`` and what is wrong with it."""
    p = Path(path)
    _read_npz_check(p, what)
    try:
        with np.load(p, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as e:
        raise CheckpointError(f"{path} is not a readable {what} (truncated or corrupt: {e})") from None


def _read_npz_check(p: Path, what: str = "checkpoint") -> None:
    """Refuse what cannot be an ``.npz`` file before opening it as one."""
    path = p
    if not p.exists():
        raise CheckpointError(f"{what} not found: {path}")
    if p.is_dir():
        raise CheckpointError(f"{path} is a folder, not a {what}")
    if not p.is_file():
        raise CheckpointError(f"{path} is not a regular file, not a {what}")
    try:
        with open(p, "rb") as f:
            magic = f.read(4)
    except OSError as e:
        raise CheckpointError(f"cannot read {path}: {e.strerror or e}") from None
    if magic[:2] != b"PK":                      # every .npz is a zip archive
        raise CheckpointError(f"{path} is not an rnn-tui {what} (not an .npz file)"
                              if magic else f"{path} is empty, not a {what}")


def read(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """All arrays of a checkpoint file, or :class:`CheckpointError`."""
    data = _read_npz(path)
    if not isinstance(data, dict) or str(data.get("format", "")) != FORMAT:
        raise CheckpointError(f"{path} is not an rnn-tui checkpoint")
    if "version" not in data or data["version"].shape != () or data["version"].dtype.kind not in "iu":
        raise CheckpointError(f"{path} is not an rnn-tui checkpoint (no version)")
    if int(data["version"]) != VERSION:
        raise CheckpointError(f"{path} has checkpoint version {int(data['version'])}; this rnn-tui reads {VERSION}")
    return data


def header(path: str | os.PathLike) -> tuple[Config, dict]:
    """A checkpoint's settings and metadata, read without its arrays (what the UI
    needs to open on a run that its training process will load)."""
    p = Path(path)
    _read_npz_check(p)
    try:
        with np.load(p, allow_pickle=False) as z:
            if "format" not in z.files or str(z["format"]) != FORMAT:
                raise CheckpointError(f"{path} is not an rnn-tui checkpoint")
            if "version" not in z.files or int(z["version"]) != VERSION:
                raise CheckpointError(f"{path} has another checkpoint version; this rnn-tui reads {VERSION}")
            cfgd, meta = json.loads(str(z["config"])), json.loads(str(z["meta"]))
        return Config(**cfgd), meta
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError, TypeError) as e:
        raise CheckpointError(f"{path} is not a readable checkpoint (truncated or corrupt: {e})") from None


def load(path: str | os.PathLike, text: str | None = None, expect_task: str | None = None,
         progress=None):
    """Rebuild a :class:`~core.trainer.Trainer` from a checkpoint.

    Args:
        progress: hears how reading the corpus goes (see ``Trainer``).
        text: use this corpus instead of the one recorded (its vocabulary must match).
        expect_task: refuse the file unless it was saved for this task.
    """
    from rnn_tui.core.trainer import Trainer

    data = read(path)
    try:
        cfgd = json.loads(str(data["config"]))
        meta = json.loads(str(data["meta"]))
        cfg = Config(**cfgd)
    except (json.JSONDecodeError, TypeError, KeyError) as e:
        raise CheckpointError(f"{path} has a damaged header: {e}") from None
    if expect_task and cfg.task != expect_task:
        raise CheckpointError(f"{path} was saved for task {cfg.task!r}, not {expect_task!r}")
    if text:
        cfg = dataclasses.replace(cfg, text=text)
    elif cfg.text and not Path(cfg.text).is_file() and (Path(path).parent / cfg.text).is_file():
        # saved by an older rnn-tui with the path as typed: try it next to the checkpoint
        cfg = dataclasses.replace(cfg, text=str(Path(path).parent / cfg.text))
    try:
        trainer = Trainer(cfg, read_init=False, progress=progress)   # its weights come from the file
    except ConfigError as e:
        hint = ("; if the corpus has moved, give its new place with --text"
                if not text and cfg.text and not Path(cfg.text).exists() else "")
        raise CheckpointError(f"cannot resume {path}: {e}{hint}") from None
    vocab = getattr(trainer.task, "vocab", "")
    if vocab != meta.get("vocab", ""):
        raise CheckpointError(f"{path} was trained on a different vocabulary "
                              f"({len(meta.get('vocab', ''))} symbols, this text has {len(vocab)})")
    arrays = {k: v for k, v in data.items() if k not in ("format", "version", "config", "meta")}
    _check_meta(meta, arrays, path)
    try:
        trainer.load_state_dict({"arrays": arrays, "meta": meta})
    except (KeyError, ValueError, TypeError, IndexError) as e:
        raise CheckpointError(f"{path} is damaged or does not match this model "
                              f"({e.args[0] if isinstance(e, KeyError) else e})") from None
    trainer.saved = (str(Path(path).resolve()), trainer.iteration)   # the run is in that file
    trainer.mark(f"loaded {Path(path).name}")
    saved_text, this_text = meta.get("corpus"), getattr(trainer.task, "fingerprint", None)
    if saved_text and this_text and saved_text != this_text:
        trainer.warnings.append(f"{Path(path).name} was trained on another text with the same "
                                f"{len(vocab)} symbols; it goes on with this one")
    return trainer


def _check_meta(meta: dict, arrays: dict, path) -> None:
    """Refuse figures no run can have: a file edited by hand, or damaged."""
    def number(key, lo=0.0, finite=True):
        v = meta.get(key)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or (finite and not math.isfinite(v)) or v < lo:
            raise CheckpointError(f"{path} is damaged: {key} is {v!r} (at least {lo:g} expected)")
        return v

    it = number("iteration")
    if int(it) != it:
        raise CheckpointError(f"{path} is damaged: iteration is {it!r}, not a whole number")
    number("opt_t")
    number("ema_raw")
    if meta.get("smooth_loss") is not None and not (isinstance(meta["smooth_loss"], float)
                                                    and math.isnan(meta["smooth_loss"])):
        number("smooth_loss")
    for key in ("loss", "ema"):
        v = (meta.get("metrics") or {}).get(key)
        if v is not None and (not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0):
            raise CheckpointError(f"{path} is damaged: its last {key} is {v!r} (a loss is never negative)")
    for k, a in arrays.items():
        if k.startswith(("param/", "opt/")) or k == "hprev":
            if a.dtype.kind not in "fc" or not np.isfinite(a).all():
                what = k.removeprefix("param/")
                raise CheckpointError(f"{path} cannot be trained from: {what} holds NaN or inf values "
                                      "(it was saved after training diverged, or is damaged)")
    hist = arrays.get("history/raw")
    if hist is not None and hist.size and (not np.isfinite(hist).all() or hist.min() < 0):
        raise CheckpointError(f"{path} is damaged: its loss history holds negative or non-finite losses")
    steps = arrays.get("history/it")
    if steps is not None and steps.size and (steps.min() < 1 or steps.max() > it or (np.diff(steps) <= 0).any()):
        raise CheckpointError(f"{path} is damaged: its loss history does not fit iteration {int(it)}")


def read_weights(path: str | os.PathLike, shapes: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """Initial weights from an ``.npz`` by min-char-rnn's names (``Wxh``, ``Whh``,
    ``Why``, ``bh``, ``by``; ``Wxh0``… for stacked layers), for a network of these
    parameter ``shapes``.  Biases may be rnn-tui's ``(H,)`` or min-char-rnn's column
    vectors ``(H, 1)``.  Every parameter must be there, finite, of the right shape,
    and nothing else may be: :class:`CheckpointError` says what does not fit.
    """
    data = _read_npz(path, what="weights file")
    missing = [k for k in shapes if k not in data]
    if missing and any(k.startswith("param/") for k in data):
        raise CheckpointError(f"{path} is an rnn-tui checkpoint, not a weights file: continue it with --load "
                              f"{path}; --init-from takes min-char-rnn's names ({', '.join(shapes)})")
    if missing:
        raise CheckpointError(f"{path} lacks {', '.join(missing)} (this network has "
                              f"{', '.join(shapes)})")
    extra = [k for k in data if k not in shapes]
    if extra:
        hint = " (use --bias to give the network biases)" if any(k.startswith("b") for k in extra) else ""
        raise CheckpointError(f"{path} has {', '.join(extra)}, which this network does not have{hint}")
    out = {}
    for k, want in shapes.items():
        a = data[k]
        if a.dtype.kind != "f":
            raise CheckpointError(f"{path}: {k} is not an array of floats ({a.dtype})")
        if a.shape != want and not (len(want) == 1 and a.shape == (want[0], 1)):
            raise CheckpointError(f"{path}: {k} has shape {a.shape}, the network needs {want}")
        if not np.isfinite(a).all():
            raise CheckpointError(f"{path}: {k} holds non-finite values")
        out[k] = a.reshape(want)
    return out
