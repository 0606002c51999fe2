"""Run configuration: one dataclass, the task defaults, and the checks a user's
values must pass.  Every check raises :class:`ConfigError` with a one-line message.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

from rnn_tui.core.model import ACTIVATIONS
from rnn_tui.core.optim import CLIP_MODES, OPTIMIZERS
from rnn_tui.core.tasks import TASKS, CharLM, Echo, Hello, Stack, Subtraction

TASK_CLASSES = {"charlm": CharLM, "subtraction": Subtraction, "echo": Echo,
                "hello": Hello, "stack": Stack}


class ConfigError(ValueError):
    """A configuration value is unusable; the message names it."""


def samples_dir() -> Path:
    """Folder of the shipped corpora: inside the wheel, or ``samples/`` of a checkout."""
    here = Path(__file__).resolve().parent
    for cand in (here / "samples", here.parent / "samples"):
        if (cand / "tinyshakespeare.txt").is_file():
            return cand
    return here.parent / "samples"


def default_text() -> str:
    return str(samples_dir() / "tinyshakespeare.txt")


LR_MAX = 1000.0        # the largest learning rate --lr (and the app's + key) accepts


@dataclass
class Config:
    """Everything that defines a run.  ``None`` means "the task's default"."""

    task: str = "charlm"
    text: str | None = None
    hidden: int | None = None
    layers: int | None = None
    activation: str | None = None
    seq_len: int | None = None
    batch: int | None = None
    lr: float | None = None
    optimizer: str | None = None
    clip_mode: str | None = None
    clip: float | None = None
    init: str | None = None
    init_scale: float | None = None
    h0: float | None = None
    dtype: str = "float64"
    seed: int = 0
    bits: int = 8
    delay: int = 2
    sample_every: int = 100
    sample_len: int = 200
    temperature: float = 1.0
    top_k: int = 0
    ema_beta: float = 0.99
    history_cap: int = 2048

    def resolved(self) -> "Config":
        """A copy with every ``None`` replaced by the task default; validated."""
        if self.task not in TASK_CLASSES:
            raise ConfigError(f"unknown task {self.task!r}; choose one of: {', '.join(TASKS)}")
        defaults = dict(TASK_CLASSES[self.task].DEFAULTS)
        defaults.setdefault("h0", 0.0)
        vals = {k: (defaults[k] if v is None and k in defaults else v)
                for k, v in dataclasses.asdict(self).items()}
        stacked_lr = getattr(TASK_CLASSES[self.task], "STACKED_LR", None)
        if self.lr is None and stacked_lr and vals["layers"] > 1:
            vals["lr"] = stacked_lr
        if self.task == "charlm" and not vals["text"]:
            vals["text"] = default_text()
        if self.task == "subtraction":
            vals["seq_len"] = self.bits
        if self.task == "hello":
            vals["seq_len"] = 4
        cfg = Config(**vals)
        cfg.validate()
        return cfg

    def memory_estimate(self) -> int:
        """A rough upper bound of the bytes one training step needs."""
        return _estimate(self)

    def validate(self) -> None:
        """Raise :class:`ConfigError` on the first unusable value."""
        positive = {"hidden": self.hidden, "layers": self.layers, "seq-len": self.seq_len,
                    "batch": self.batch, "sample-every": self.sample_every,
                    "sample-len": self.sample_len, "history-cap": self.history_cap}
        for name, v in positive.items():
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                raise ConfigError(f"--{name} must be a positive integer, got {v!r}")
        limits = {"hidden": 4096, "layers": 16, "seq-len": 10000, "batch": 4096}
        for name, cap in limits.items():
            if positive[name] > cap:
                raise ConfigError(f"--{name} {positive[name]} is too large (at most {cap})")
        check_memory(self)
        for name in ("lr", "clip", "init_scale", "temperature", "h0"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
                raise ConfigError(f"--{name.replace('_', '-')} must be a finite number, got {v!r}")
        if self.lr <= 0:
            raise ConfigError(f"--lr must be greater than 0, got {self.lr}")
        if self.lr > LR_MAX:
            raise ConfigError(f"--lr {self.lr} is absurdly large (at most {LR_MAX:g})")
        if self.clip < 0:
            raise ConfigError(f"--clip must be 0 or more, got {self.clip}")
        if self.temperature <= 0:
            raise ConfigError(f"--temperature must be greater than 0, got {self.temperature}")
        if self.init_scale <= 0:
            raise ConfigError(f"--init-scale must be greater than 0, got {self.init_scale}")
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(f"unknown optimizer {self.optimizer!r}; choose one of: {', '.join(OPTIMIZERS)}")
        if self.clip_mode not in CLIP_MODES:
            raise ConfigError(f"unknown clip mode {self.clip_mode!r}; choose one of: {', '.join(CLIP_MODES)}")
        if self.activation not in ACTIVATIONS:
            raise ConfigError(f"unknown activation {self.activation!r}; choose one of: {', '.join(ACTIVATIONS)}")
        if self.dtype not in ("float64", "float32"):
            raise ConfigError(f"--dtype must be float64 or float32, got {self.dtype!r}")
        if self.init not in ("normal", "uniform"):
            raise ConfigError(f"unknown init {self.init!r}; choose normal or uniform")
        if not 2 <= self.bits <= 62:
            raise ConfigError(f"--bits must be between 2 and 62, got {self.bits}")
        if self.task == "echo" and not 0 <= self.delay < self.seq_len:
            raise ConfigError(f"--delay must be between 0 and seq-len - 1 ({self.seq_len - 1}), got {self.delay}")
        if self.top_k < 0:
            raise ConfigError(f"--top-k must be 0 or more, got {self.top_k}")
        if not 0 < self.ema_beta < 1:
            raise ConfigError(f"ema beta must be between 0 and 1, got {self.ema_beta}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError(f"--seed must be a non-negative integer, got {self.seed!r}")


MEMORY_LIMIT = 8 * 2**30     # refuse configurations that cannot fit a shared 24 GiB machine


def check_memory(cfg: "Config", vocab: int = 2048) -> None:
    """Refuse a network (with ``vocab`` symbols, once the corpus is known) too big to train."""
    need = _estimate(cfg, vocab)
    if need > MEMORY_LIMIT:
        what = f" × a vocabulary of {vocab:,}" if vocab > 2048 else ""
        raise ConfigError(f"this network would need about {need / 2**30:.0f} GiB of memory "
                          f"(hidden {cfg.hidden} × layers {cfg.layers} × seq-len {cfg.seq_len} × "
                          f"batch {cfg.batch}{what}); make some of them smaller")


def _estimate(cfg: "Config", vocab: int = 2048) -> int:
    H, L, T, B = cfg.hidden, cfg.layers, cfg.seq_len, cfg.batch
    per_step = 6 * L * T * B * H + 3 * T * B * vocab               # cached activations and deltas
    params = 4 * (L * (H * H + H * max(H, vocab) + H) + vocab * H)  # params, grads, 2 optimizer slots
    return 8 * (per_step + params)


TEXT_MAX = 256 * 2**20   # the largest corpus read (tinyshakespeare is 1 MiB)


def read_text(path: str) -> str:
    """Read a UTF-8 corpus, refusing what is not one, with a message naming the file."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"text file not found: {path}")
    if p.is_dir():
        raise ConfigError(f"text path is a folder, not a file: {path}")
    if not p.is_file():                         # /dev/zero, a pipe: could be read forever
        raise ConfigError(f"text path is not a regular file: {path}")
    try:
        if p.stat().st_size > TEXT_MAX:
            raise ConfigError(f"text file is too large ({p.stat().st_size / 2**20:,.0f} MiB; "
                              f"at most {TEXT_MAX // 2**20} MiB): {path}")
        raw = p.read_bytes()
    except OSError as e:
        raise ConfigError(f"cannot read text file {path}: {e.strerror}") from None
    if not raw:
        raise ConfigError(f"text file is empty: {path}")
    if b"\x00" in raw:
        raise ConfigError(f"text file looks binary (contains NUL bytes): {path}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(f"text file is not valid UTF-8 (byte {e.start}): {path}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def build_task(cfg: Config):
    """The task object for a resolved config."""
    from rnn_tui.core.tasks import TaskError

    try:
        if cfg.task == "charlm":
            return CharLM(read_text(cfg.text), cfg.seq_len, cfg.batch, source=f"text file {cfg.text}")
        if cfg.task == "subtraction":
            return Subtraction(cfg.bits)
        if cfg.task == "echo":
            return Echo(cfg.seq_len, cfg.delay)
        if cfg.task == "hello":
            return Hello(batch=cfg.batch)
        return Stack(cfg.seq_len)
    except TaskError as e:
        raise ConfigError(str(e)) from None
