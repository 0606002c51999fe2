"""The trainer: owns params, optimizer state, data position and one RNG, runs one
iteration per :meth:`Trainer.step`, and hands out read-only :class:`Snapshot` s.

Dimensions: L layers, T time, B batch, H hidden, V output width.
"""

from __future__ import annotations

import copy
from collections import deque
import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from rnn_tui.core.config import Config, build_task, check_memory
from rnn_tui.core.history import History
from rnn_tui.core.model import BPTT, Cache, Spec, flat_of, forward, init_params, layer_names
from rnn_tui.core.optim import clip_grads, grad_norms, make_optimizer
from rnn_tui.core.sampling import sample


class DivergenceError(RuntimeError):
    """Training produced a non-finite value; the message names where."""


class FrozenDict(dict):
    """A dict that refuses changes (and still pickles, unlike ``MappingProxyType``)."""

    def _readonly(self, *args, **kwargs):
        raise TypeError("snapshot data is read-only")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _readonly  # type: ignore

    def __reduce__(self):
        return (FrozenDict, (dict(self),))


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class Snapshot:
    """Immutable copy of what a view needs; safe to hand to another thread.

    Attributes:
        iteration: iterations done.
        task: task name; ``config``: the resolved config as a dict.
        metrics: the last step's metrics (read-only mapping).
        history: ``(iteration, raw loss, smoothed loss, lowest raw, highest raw)`` arrays
            (:class:`~core.history.HistoryArrays`' fields, one entry per stored point).
        labels / targets: input and target symbol of each timestep of example 0.
        h: hidden states of example 0, ``(L, T, H)``; ``h0`` its starting state ``(L, H)``.
        probs: head outputs of example 0, ``(T, V)``; ``step_loss``: ``(T,)``.
        dh_norm: ‖dh_t‖ per layer and timestep from the last BPTT, ``(L, T)``.
        info: task extras for example 0 (a, b, c of a subtraction).
        sample: latest generated text (language models), ``sample_iteration`` when made.
    """

    iteration: int
    task: str
    config: dict
    metrics: FrozenDict
    history: tuple
    labels: tuple
    targets: tuple
    h: np.ndarray
    h0: np.ndarray
    probs: np.ndarray
    step_loss: np.ndarray
    dh_norm: np.ndarray
    info: FrozenDict
    sample: str = ""
    sample_iteration: int = -1
    activation: str = "tanh"
    vocab: str = ""


@dataclass
class Pending:
    """A prepared iteration: batch drawn, forward run, BPTT stepper ready."""

    batch: object
    cache: Cache
    bptt: BPTT
    undo: dict


@dataclass
class _Last:
    batch: object
    cache: Cache
    bptt: BPTT


@dataclass(frozen=True)
class BpttView:
    """One moment of the BPTT step-through (example 0 of the prepared batch).

    ``t`` is the timestep just processed (None before the first step); vectors are
    ``(L, H)`` rows per layer, ``dy_t`` is ``(V,)``; ``grad_norms`` are the norms of
    the running gradient sums so far.
    """

    T: int
    layers: int
    t: int | None
    processed: int
    dh_norm: np.ndarray
    dy_t: np.ndarray | None
    dh_t: np.ndarray | None
    dhraw_t: np.ndarray | None
    dhnext: np.ndarray | None
    dx_t: np.ndarray | None
    grad_norms: FrozenDict
    grad_shapes: FrozenDict
    target_index: int | None
    h: np.ndarray
    probs: np.ndarray
    step_loss: np.ndarray
    loss: float
    labels: tuple
    targets: tuple
    activation: str
    iteration: int
    batch: int = 1
    inputs: tuple = ()
    """x_t written out in full per timestep (labels are one-cell glyphs)."""
    carried: bool = False
    """h_{-1} is the state carried from the previous window (else the fixed h0)."""
    """B: dy (and so every gradient) carries the batch mean's 1/B."""


@dataclass(frozen=True)
class ForwardView:
    """One moment of the forward step-through (example 0 of the prepared batch).

    ``shown`` timesteps (0 … T) have been revealed; ``t = shown - 1`` is in focus.
    ``terms[l]`` holds, for layer ``l`` at ``t``, the pieces of
    ``hraw = Wxh x_t + Whh h_{t-1} + bh`` and ``h = f(hraw)`` (each ``(H,)``).
    ``h`` is ``(L, T, H)`` with the timesteps not yet revealed set to NaN.
    """

    T: int
    layers: int
    shown: int
    terms: tuple
    probs_t: np.ndarray | None
    target_index: int | None
    step_loss: np.ndarray
    h: np.ndarray
    probs: np.ndarray
    labels: tuple
    targets: tuple
    activation: str
    head: str
    iteration: int
    inputs: tuple = ()
    """x_t written out in full per timestep (labels are one-cell glyphs)."""
    carried: bool = False
    """h_{-1} is the state carried from the previous window (else the fixed h0)."""
    batch: int = 1

    @property
    def t(self) -> int | None:
        return self.shown - 1 if self.shown > 0 else None


class Trainer:
    """One training run.  ``Trainer(config)``; ``step()`` runs one iteration.

    The same config (same seed) gives the same run, bit for bit.  Sampling for the
    text panel uses its own RNG, so asking for samples never changes training.
    """

    BACKUP_EVERY = 10

    def __init__(self, config: Config):
        self.config = cfg = config.resolved()
        self.task = build_task(cfg)
        self.spec = Spec(hidden_size=cfg.hidden, layers=cfg.layers, activation=cfg.activation,
                         dtype=cfg.dtype, **self.task.spec_fields())
        check_memory(cfg, max(self.spec.input_size, self.spec.output_size))   # the real vocabulary
        self.rng = np.random.default_rng(cfg.seed)
        self.sample_rng = np.random.default_rng([cfg.seed, 1])
        self.params = init_params(self.spec, self.rng, cfg.init, cfg.init_scale)
        self.opt = make_optimizer(cfg.optimizer, cfg.lr, self.params)
        L, B, H = cfg.layers, cfg.batch, cfg.hidden
        self.hprev = np.full((L, B, H), cfg.h0, dtype=cfg.dtype)
        self.iteration = 0
        self.ema_raw = 0.0
        V = self.spec.output_size
        self.smooth_loss = -math.log(1.0 / V) * cfg.seq_len if self.spec.head == "softmax_ce" else float("nan")
        self.history = History(cfg.history_cap)
        self._recent: deque = deque(maxlen=100)     # task accuracy of recent iterations
        self._recent_sum = (0.0, 0.0)
        self.metrics: dict = {}
        self.last: _Last | None = None
        self.sample_text = ""
        self.sample_iteration = -1
        self._backup = self._state_copy()

    # ---- training -------------------------------------------------------------

    @property
    def is_language_model(self) -> bool:
        return self.config.task in ("charlm", "hello")

    def step(self) -> dict:
        """Run one iteration and return its metrics.

        Raises:
            DivergenceError: the loss, a gradient or a parameter went non-finite.
                Nothing is updated in the first two cases; :meth:`rollback` restores
                the last finite state in every case.
        """
        # Non-finite values are detected and reported explicitly; NumPy's own
        # RuntimeWarnings would only scribble over the terminal the app draws on.
        with np.errstate(all="ignore"):
            return self._finish(self._prepare())

    def prepare(self) -> Pending:
        """First half of an iteration: draw the batch, run forward, make the BPTT
        stepper (not yet stepped).  :meth:`finish` completes it; :meth:`discard`
        undoes it, leaving the trainer exactly as before."""
        with np.errstate(all="ignore"):
            return self._prepare()

    def finish(self, pending: Pending) -> dict:
        """Second half: the rest of BPTT, checks, clipping, the optimizer update."""
        with np.errstate(all="ignore"):
            return self._finish(pending)

    def _prepare(self) -> Pending:
        cfg = self.config
        undo = {"rng": self.rng.bit_generator.state,             # a fresh dict each call
                "position": dict(self.task.get_position()), "hprev": self.hprev.copy()}
        batch = self.task.next_batch(self.rng, cfg.batch)
        if batch.reset or not self.task.carries_state:
            self.hprev[...] = cfg.h0
        x = batch.x if self.spec.index_input else batch.x.astype(cfg.dtype, copy=False)
        y = batch.y if self.spec.head == "softmax_ce" else batch.y.astype(cfg.dtype, copy=False)
        cache = forward(self.spec, self.params, x, y, self.hprev, batch.mask)
        if not math.isfinite(cache.loss):
            self._undo(undo)
            bad = self._bad_param()
            raise DivergenceError(f"loss became {cache.loss} at iteration {self.iteration + 1}, "
                                  f"not applied" + (f" (parameter {bad} is non-finite)" if bad else ""))
        return Pending(batch, cache, BPTT(self.spec, self.params, cache), undo)

    def discard(self, pending: Pending) -> None:
        """Forget a prepared iteration: RNG, data position and carried state go back."""
        self._undo(pending.undo)

    def _undo(self, undo: dict) -> None:
        self.rng.bit_generator.state = undo["rng"]
        self.task.set_position(undo["position"])
        self.hprev[...] = undo["hprev"]

    def _finish(self, pending: Pending) -> dict:
        cfg = self.config
        batch, cache, bptt = pending.batch, pending.cache, pending.bptt
        if not bptt.done:
            bptt.step(bptt.next_t + 1)                             # the rest of BPTT
        grads = bptt.grads
        cols = self._touched_columns(batch)
        norms = grad_norms(grads, cols)                            # before clipping
        total = clip_grads(grads, cfg.clip_mode, cfg.clip,
                           total=math.sqrt(sum(v * v for v in norms.values())), columns=cols)
        if not math.isfinite(total):
            self._undo(pending.undo)
            bad = next((k for k, v in norms.items() if not math.isfinite(v)), "?")
            raise DivergenceError(f"gradient of {bad} became non-finite at iteration {self.iteration + 1}, "
                                  "not applied")
        self.opt.step(self.params, grads, cols)
        if self.task.carries_state:
            self.hprev[...] = cache.hlast
        self.iteration += 1
        self.last = _Last(batch, cache, bptt)
        self.metrics = self._metrics(batch, cache, bptt.dact, norms, total)
        self.history.add(self.iteration, cache.loss, self.metrics["ema"])
        if self.is_language_model and (self.iteration - 1) % cfg.sample_every == 0:
            self.resample()
        if self.iteration % self.BACKUP_EVERY == 0:
            # A non-finite weight shows up in the next loss or gradient when it is
            # used; checking every weight only here keeps the step cheap and the
            # backup (what rollback restores) finite.
            bad = self._bad_param()
            if bad:
                raise DivergenceError(f"parameter {bad} became non-finite at iteration {self.iteration}")
            self._backup = self._state_copy()
        return self.metrics

    def _touched_columns(self, batch) -> dict[str, np.ndarray] | None:
        """Only the Wxh columns of the symbols in this batch have a gradient.  When
        they are few (a large vocabulary), clipping and the update visit just those;
        otherwise one pass over everything is cheaper than gathering them."""
        V = self.spec.input_size
        if not self.spec.index_input or V < 256:
            return None
        cols = np.flatnonzero(np.bincount(batch.x.reshape(-1), minlength=V))
        if 4 * cols.size > V:
            return None
        return {layer_names(self.spec.layers)[0][0]: cols}

    def _bad_param(self) -> str | None:
        for k, p in self.params.items():
            if not np.isfinite(p).all():
                return k
        return None

    def _metrics(self, batch, cache: Cache, dact: np.ndarray, norms: dict, total: float) -> dict:
        cfg = self.config
        beta = cfg.ema_beta
        self.ema_raw = beta * self.ema_raw + (1 - beta) * cache.loss
        ema = self.ema_raw / (1 - beta ** self.iteration)            # bias-corrected
        if math.isnan(self.smooth_loss):
            self.smooth_loss = cache.loss
        self.smooth_loss = self.smooth_loss * 0.999 + cache.loss * 0.001
        # saturated: |h| > 0.95 (tanh) or h outside [0.05, 0.95] (sigmoid), read off
        # f'(h) that BPTT already holds: below f' at those edges means saturated
        edge = 1 - 0.95 * 0.95 if self.spec.activation == "tanh" else 0.95 * 0.05
        sat = np.count_nonzero(dact < edge) / dact.size
        m = {"iteration": self.iteration, "loss": cache.loss, "ema": ema,
             "smooth_loss": self.smooth_loss, "grad_norm": total, "saturated": sat,
             "lr": self.opt.lr, "grad_norms": norms}
        m.update(self.task.metrics(batch, cache))
        if "accuracy" in m:
            rec = self._recent
            if len(rec) == rec.maxlen:
                old = rec[0]
                self._recent_sum = (self._recent_sum[0] - old[0], self._recent_sum[1] - old[1])
            new = (m["accuracy"], m.get("bit_accuracy", m["accuracy"]))
            rec.append(new)
            self._recent_sum = (self._recent_sum[0] + new[0], self._recent_sum[1] + new[1])
            m["recent_n"] = len(rec)
            m["recent_accuracy"] = self._recent_sum[0] / len(rec)
            if "bit_accuracy" in m:
                m["recent_bit_accuracy"] = self._recent_sum[1] / len(rec)
        return m

    # ---- control --------------------------------------------------------------

    def set_lr(self, lr: float) -> None:
        self.opt.lr = float(lr)
        self.config = dataclasses.replace(self.config, lr=float(lr))

    def _state_copy(self) -> dict:
        """Everything :meth:`rollback` restores.  Weights and optimizer state are
        copied buffer to buffer, into the arrays of the previous copy when there is one."""
        buffers = {"params": flat_of(self.params), **{f"opt/{s}": b for s, b in self.opt.flat_state.items()},
                   "hprev": self.hprev}
        old = getattr(self, "_backup", None)
        saved = {}
        for k, b in buffers.items():
            if old is not None and k in old["arrays"] and old["arrays"][k].shape == b.shape:
                saved[k] = old["arrays"][k]
                np.copyto(saved[k], b)
            else:
                saved[k] = b.copy()
        return {"arrays": saved, "opt_t": self.opt.t,
                "rng": self.rng.bit_generator.state, "iteration": self.iteration,   # a fresh dict
                "position": dict(self.task.get_position()),
                "ema_raw": self.ema_raw, "smooth_loss": self.smooth_loss,
                "recent": list(self._recent), "metrics": dict(self.metrics),
                "history": {k: v.copy() for k, v in self.history.state().items()}}

    def rollback(self) -> int:
        """Restore the last finite state (at most ``BACKUP_EVERY`` iterations back).

        Returns the iteration restored.  The loss history goes back with it, so
        the curve does not keep the iterations that were undone.
        """
        b = self._backup
        saved = b["arrays"]
        np.copyto(flat_of(self.params), saved["params"])
        for slot, buf in self.opt.flat_state.items():
            np.copyto(buf, saved[f"opt/{slot}"])
        np.copyto(self.hprev, saved["hprev"])
        self.opt.t = b["opt_t"]
        self.rng.bit_generator.state = copy.deepcopy(b["rng"])
        self.iteration = b["iteration"]
        self.task.set_position(b["position"])
        self.ema_raw, self.smooth_loss = b["ema_raw"], b["smooth_loss"]
        self._recent = deque(b["recent"], maxlen=self._recent.maxlen)
        self._recent_sum = (sum(r[0] for r in self._recent), sum(r[1] for r in self._recent))
        self.metrics = dict(b["metrics"])     # the figures of the iteration restored
        self.history.load(b["history"])
        self.last = None
        return self.iteration

    # ---- views ----------------------------------------------------------------

    def forward_view(self, pending: Pending, shown: int) -> ForwardView:
        """What the forward step-through shows after revealing ``shown`` timesteps."""
        from rnn_tui.core.model import forward_terms

        cache = pending.cache
        T = cache.h.shape[1]
        shown = max(0, min(T, shown))
        t = shown - 1
        terms = tuple(FrozenDict(forward_terms(self.spec, self.params, cache, t, l))
                      for l in range(self.spec.layers)) if t >= 0 else ()
        h = np.array(cache.h[:, :, 0])
        h[:, shown:] = np.nan
        tgt = int(cache.y[t, 0]) if t >= 0 and self.spec.head == "softmax_ce" else None
        return ForwardView(T=T, layers=self.spec.layers, shown=shown, terms=terms,
                           probs_t=_frozen(cache.probs[t, 0]) if t >= 0 else None, target_index=tgt,
                           step_loss=_frozen(cache.step_loss), h=_frozen(h),
                           probs=_frozen(cache.probs[:, 0]),
                           labels=tuple(self.task.labels(pending.batch, 0)),
                           targets=tuple(self.task.target_labels(pending.batch, 0)),
                           activation=self.spec.activation, head=self.spec.head,
                           iteration=self.iteration + 1, inputs=self._inputs(pending.batch),
                           carried=self.task.carries_state, batch=cache.h.shape[2])

    def bptt_view(self, pending: Pending) -> "BpttView":
        """What the step-through view shows of a prepared iteration (example 0),
        read straight off the BPTT stepper and the forward cache."""
        bptt, cache = pending.bptt, pending.cache
        L = self.spec.layers
        t = bptt.t

        def rows(vals):
            return _frozen(np.stack([v[0] if v is not None else np.full(self.spec.hidden_size, np.nan)
                                     for v in vals])) if t is not None else None

        tgt = None
        if t is not None and self.spec.head == "softmax_ce":
            tgt = int(cache.y[t, 0])
        return BpttView(
            T=bptt.T, layers=L, t=t, processed=bptt.T - 1 - bptt.next_t,
            dh_norm=_frozen(bptt.dh_norm),
            dy_t=_frozen(bptt.dy[t, 0]) if t is not None else None,
            dh_t=rows(bptt.dh_t), dhraw_t=rows(bptt.dhraw_t),
            dhnext=rows(bptt.dhnext) if t is not None else None,
            dx_t=rows(bptt.dx_t) if t is not None and L > 1 else None,
            grad_norms=FrozenDict(grad_norms(bptt.sums_so_far())),
            grad_shapes=FrozenDict({k: tuple(g.shape) for k, g in bptt.grads.items()}),
            target_index=tgt,
            h=_frozen(cache.h[:, :, 0]), probs=_frozen(cache.probs[:, 0]),
            step_loss=_frozen(cache.step_loss), loss=cache.loss,
            labels=tuple(self.task.labels(pending.batch, 0)),
            targets=tuple(self.task.target_labels(pending.batch, 0)),
            activation=self.spec.activation, iteration=self.iteration + 1, batch=cache.h.shape[2],
            inputs=self._inputs(pending.batch), carried=self.task.carries_state)

    def _inputs(self, batch) -> tuple:
        """Example 0's inputs in full: the task's ``input_text`` where it has one."""
        full = getattr(self.task, "input_text", self.task.labels)
        return tuple(full(batch, 0))

    def resample(self, n: int | None = None, temperature: float | None = None) -> str:
        """Generate a fresh sample (language models) from stream 0's carried state."""
        if not self.is_language_model:
            return ""
        cfg = self.config
        temp = cfg.temperature if temperature is None else temperature
        if cfg.task == "hello":
            # what the lesson asks: from a fresh state, what follows "h", "he", "hel", "hell"?
            h0 = np.zeros((cfg.layers, cfg.hidden))
            ixs, _ = sample(self.spec, self.params, h0, 0, n or 4, self.sample_rng,
                            temperature=temp, top_k=cfg.top_k)
            self.sample_text = "h" + self.task.decode(ixs)
            self.sample_iteration = self.iteration
            return self.sample_text
        seed_ix = int(self.last.batch.y[-1, 0]) if self.last else 0
        ixs, _ = sample(self.spec, self.params, self.hprev[:, 0], seed_ix, n or cfg.sample_len,
                        self.sample_rng, temperature=temp, top_k=cfg.top_k)
        self.sample_text = self.task.decode(ixs)
        self.sample_iteration = self.iteration
        return self.sample_text

    def set_temperature(self, temperature: float) -> None:
        self.config = dataclasses.replace(self.config, temperature=float(temperature))

    def snapshot(self) -> Snapshot:
        """An immutable copy of what a view needs (example 0 of the last batch, or of
        the next one before the first step)."""
        cfg = self.config
        L, H = cfg.layers, cfg.hidden
        last = self.last
        if last is None:
            # Nothing trained since start, load or rollback: show the next example and
            # what the current weights make of it (prepared, then undone: no state moves).
            try:
                pending = self.prepare()
            except DivergenceError:
                pending = None
            if pending is not None:
                self.discard(pending)
                last = _Last(pending.batch, pending.cache, pending.bptt)
        if last is None:
            T = cfg.seq_len
            h = np.zeros((L, T, H))
            probs = np.zeros((T, self.spec.output_size))
            step_loss = np.zeros(T)
            dh = np.full((L, T), np.nan)
            labels = targets = ("",) * T
            info = {}
            h0 = np.zeros((L, H))
        else:
            batch, cache, bptt = last.batch, last.cache, last.bptt
            h = cache.h[:, :, 0]
            h0 = cache.h0[:, 0]
            probs = cache.probs[:, 0]
            step_loss = cache.step_loss
            dh = bptt.dh_norm
            labels = tuple(self.task.labels(batch, 0))
            targets = tuple(self.task.target_labels(batch, 0))
            info = {k: (v[0].item() if isinstance(v, np.ndarray) else v)
                    for k, v in (batch.info or {}).items()}
        metrics = {k: (FrozenDict(dict(v)) if isinstance(v, dict) else v)
                   for k, v in self.metrics.items()}
        return Snapshot(iteration=self.iteration, task=cfg.task,
                        config=FrozenDict(dataclasses.asdict(cfg)),
                        metrics=FrozenDict(metrics),
                        history=tuple(_frozen(a) for a in self.history.arrays()),
                        labels=labels, targets=targets, h=_frozen(h), h0=_frozen(h0),
                        probs=_frozen(probs), step_loss=_frozen(step_loss),
                        dh_norm=_frozen(dh), info=FrozenDict(info),
                        sample=self.sample_text, sample_iteration=self.sample_iteration,
                        activation=cfg.activation, vocab=getattr(self.task, "vocab", ""))
