"""Run configuration: one dataclass, the task defaults, and the checks a user's
values must pass.  Every check raises :class:`ConfigError` with a one-line message.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from rnn_tui.core.model import ACTIVATIONS
from rnn_tui.core.optim import CLIP_MODES, OPTIMIZERS
from rnn_tui.core.tasks import TaskError, task_class


class ConfigError(ValueError):
    """A configuration value is unusable; the message names it."""


LR_MAX = 1000.0        # the largest learning rate --lr (and the app's + key) accepts
DEFAULT_TASK = "charlm"   # what `rnn-tui` trains when no task is given


@dataclass
class Config:
    """Everything that defines a run.  ``None`` means "the task's default"."""

    task: str = DEFAULT_TASK
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
    bias: bool | None = None
    init_from: str | None = None
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
        """A copy with every ``None`` replaced by the task default (and what the task
        fixes or derives); validated."""
        try:
            cls = task_class(self.task)
        except TaskError as e:
            raise ConfigError(str(e)) from None
        defaults = {"h0": 0.0, "bias": True, **cls.DEFAULTS}
        given = dataclasses.asdict(self)
        vals = {k: (defaults[k] if v is None and k in defaults else v) for k, v in given.items()}
        cls.resolve(vals, given)
        cfg = Config(**vals)
        cfg.validate()
        return cfg

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
        if self.top_k < 0:
            raise ConfigError(f"--top-k must be 0 or more, got {self.top_k}")
        if not 0 < self.ema_beta < 1:
            raise ConfigError(f"ema beta must be between 0 and 1, got {self.ema_beta}")
        if not isinstance(self.bias, bool):
            raise ConfigError(f"bias must be true or false, got {self.bias!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError(f"--seed must be a non-negative integer, got {self.seed!r}")
        try:
            task_class(self.task).validate(self)
        except TaskError as e:
            raise ConfigError(str(e)) from None


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


def build_task(cfg: Config, progress=None):
    """The task object for a resolved config (``progress``: see ``Task.from_config``)."""
    try:
        return task_class(cfg.task).from_config(cfg, progress)
    except TaskError as e:
        raise ConfigError(str(e)) from None
