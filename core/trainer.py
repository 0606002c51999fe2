"""The trainer: owns params, optimizer state, data position and one RNG, runs one
iteration per :meth:`Trainer.step`, and hands out read-only views
(:mod:`rnn_tui.core.views`).

Dimensions: L layers, T time, B batch, H hidden, V output width.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from rnn_tui.core.config import Config, ConfigError, build_task, check_memory
from rnn_tui.core.figures import RecentFigures
from rnn_tui.core.history import History
from rnn_tui.core.model import BPTT, Cache, Spec, Workspace, empty_like_flat, flat_of, forward, forward_terms, \
    init_params, layer_names
from rnn_tui.core.optim import Adagrad, clip_changes, clip_grads, grad_norms, grad_total, make_optimizer
from rnn_tui.core.sampling import sample
from rnn_tui.core.views import (BpttView, ForwardView, FrozenDict, Snapshot, blank_example, example_fields,
                                frozen, frozen_tree)


class DivergenceError(RuntimeError):
    """Training produced a non-finite value; the message names where."""


@dataclass
class Pending:
    """A prepared iteration: batch drawn, forward run, BPTT stepper ready.

    ``undo`` is what :meth:`Trainer.discard` puts back.  After :meth:`Trainer.finish`
    the same object is the trainer's :attr:`~Trainer.last` iteration.  ``carry``:
    finishing it carries its last hidden state on to the next window (a probed
    example, which is not part of the data, leaves the carried state alone)."""

    batch: object
    cache: Cache
    bptt: BPTT
    undo: dict
    carry: bool = True
    work: Workspace | None = None
    """Where ``cache`` and ``bptt`` live (reused by the iteration after next)."""


@dataclass(frozen=True)
class LaterSample:
    """A sample that fell due (at :attr:`Trainer.sample_iteration`) and is drawn
    only when something reads it (see :meth:`Trainer.sample_text`): a copy of the
    weights it was due from, where it starts, and where the sampling RNG stood.  The trainer's own
    sampling RNG moves on at once as if it had been drawn, so every later sample
    is the one it would have been."""

    params: dict
    start: object                      # a core.tasks.SampleStart with its own copy of h
    n: int
    temperature: float
    top_k: int
    rng_state: dict


class Metrics(Mapping):
    """One iteration's figures, as a read-only mapping.

    The step itself works out the loss, its moving averages, the gradient norm and
    the learning rate.  The rest are worked out the first time a key outside those
    is read (a snapshot, a recorded frame, a CSV row), in two parts:

    * the task's figures (accuracy, bpc, mse, the recent accuracy), from what
      :class:`~rnn_tui.core.figures.RecentFigures` kept of the iteration;
    * the figures only a view reads — the per-parameter gradient norms and the
      saturated fraction — from the arrays the iteration left in its
      :class:`~rnn_tui.core.model.Workspace`.  Those arrays are reused by the
      iteration after next: reading these figures after that raises instead of
      answering from another iteration's arrays.
    """

    def __init__(self, values: dict, task=None, view=None):
        self._d = values
        self._task, self._view = task, view       # () -> those figures; None once they are in

    def _work_out(self, task: bool = True) -> bool:
        """Work out the next part not in yet (the task's first; ``task=False``: the
        view-only part alone); False if none is left."""
        if task and self._task is not None:
            self._d.update(self._task())
            self._task = None
        elif self._view is not None:
            self._d.update(self._view())
            self._view = None
        else:
            return False
        return True

    def _complete(self) -> dict:
        while self._work_out():
            pass
        return self._d

    def expire(self) -> None:
        """The iteration's arrays are about to be reused: its view-only figures can no longer be had."""
        if self._view is not None:
            self._view = self._gone

    def _gone(self):                               # raises on every read: self._view stays
        raise RuntimeError(f"the view-only figures of iteration {self._d.get('iteration')} were not read in time "
                           "(they are computed from arrays the iteration after next reuses)")

    def kept(self) -> Metrics:
        """These figures as the rollback backup keeps them: the view-only ones worked
        out now (their arrays are about to be reused), the task's when first read
        (:class:`~rnn_tui.core.figures.RecentFigures` keeps what they need)."""
        self._work_out(task=False)
        return Metrics(dict(self._d), self._task)

    def __getitem__(self, key):
        if key not in self:
            raise KeyError(key)
        return self._d[key]

    def __contains__(self, key) -> bool:
        d = self._d
        while key not in d and self._work_out():        # the task's part may answer it alone
            pass
        return key in d

    def __iter__(self):
        return iter(self._complete())

    def __len__(self) -> int:
        return len(self._complete())

    # Mapping's own items() would look every key up through __getitem__
    def items(self):
        return self._complete().items()

    def keys(self):
        return self._complete().keys()

    def values(self):
        return self._complete().values()

    def __repr__(self) -> str:
        return f"Metrics({self._complete()!r})"

    def __reduce__(self):                  # pickled (the app hands the trainer to a child process) as a dict
        return (dict, (dict(self._complete()),))


class Trainer:
    """One training run.  ``Trainer(config)``; ``step()`` runs one iteration.

    The same config (same seed) gives the same run, bit for bit.  Sampling for the
    text panel uses its own RNG, so asking for samples never changes training.

    ``config`` holds the settings the run was made with, and the ones changed
    since (temperature); the learning rate has one owner, the optimizer
    (:attr:`lr`), and views see it merged into the config.
    """

    BACKUP_EVERY = 20          # a rollback goes back at most this far; each backup costs ~ a tenth of a step
    LATER_SAMPLE_BYTES = 8 << 20
    """Weights up to this size are copied for a sample drawn later; larger ones are sampled at once."""

    def __init__(self, config: Config, read_init: bool = True, progress=None):
        """``read_init``: take the initial weights from ``config.init_from`` (a
        checkpoint being loaded sets them itself); ``progress(stage, done, total)``
        hears how reading the task's data goes."""
        self.config = cfg = config.resolved()
        self.task = build_task(cfg, progress)
        self.spec = Spec(hidden_size=cfg.hidden, layers=cfg.layers, activation=cfg.activation,
                         dtype=cfg.dtype, bias=cfg.bias, **self.task.spec_fields())
        check_memory(cfg, max(self.spec.input_size, self.spec.output_size))   # the real vocabulary
        self.rng = np.random.default_rng(cfg.seed)
        self.sample_rng = np.random.default_rng([cfg.seed, 1])
        self.params = init_params(self.spec, self.rng, cfg.init, cfg.init_scale)
        if cfg.init_from and read_init:                # drawn all the same: the data order stays
            self._init_from(cfg.init_from)
        self.opt = make_optimizer(cfg.optimizer, cfg.lr, self.params)
        L, B, H = cfg.layers, cfg.batch, cfg.hidden
        self.hprev = np.full((L, B, H), cfg.h0, dtype=cfg.dtype)
        self.iteration = 0
        self.ema_raw = 0.0
        V = self.spec.output_size
        self.smooth_loss = -math.log(1.0 / V) * cfg.seq_len if self.spec.head == "softmax_ce" else float("nan")
        self.history = History(cfg.history_cap)
        # the task's figures of the recent iterations; kept long enough for a rollback
        self.recent = RecentFigures(self.task, slack=self.BACKUP_EVERY + 2)
        self.metrics: Mapping = {}
        """The last iteration's figures (a :class:`Metrics`); after a load or a rollback, those saved with it."""
        self.last: Pending | None = None
        self._sample: str | LaterSample = ""
        self.sample_iteration = -1
        self._drawn: tuple[str, int] = ("", -1)                  # the last sample drawn, and its iteration
        self._h0 = np.full((L, B, H), cfg.h0, dtype=cfg.dtype)   # the state a window starts from afresh
        self._works: list[Workspace] = []                       # two, alternating (see _workspace)
        self._readers: dict[int, Metrics] = {}                  # id(workspace) -> the Metrics reading it
        self.run_id = uuid.uuid4().hex[:8]
        """Names this run (its autosave file); a checkpoint keeps it, a reset or a new task gets a new one."""
        self.train_seconds = 0.0
        """Wall time spent training (steps only: a paused run or a step-through's thinking does not count)."""
        self.saved: tuple[str, int] | None = None
        """The user's last checkpoint of this run: ``(path, iteration)`` (an autosave is not one)."""
        self.marks: list[tuple[int, str]] = []
        """``(iteration, what)`` of what changed during the run (a rate, a rollback, a load):
        the loss curve marks them."""
        self.warnings: list[str] = []
        """What loading this run found worth saying (e.g. another text with the same symbols)."""
        self._backup = self.state_dict()

    def _init_from(self, path: str) -> None:
        from rnn_tui.core.checkpoint import CheckpointError, read_weights

        try:
            weights = read_weights(path, {k: v.shape for k, v in self.params.items()})
        except CheckpointError as e:
            raise ConfigError(f"--init-from: {e}") from None
        for k, w in weights.items():
            self.params[k][...] = w

    def __getstate__(self) -> dict:
        # the workspaces are rebuilt where the trainer lands (a pickle would copy
        # their row views apart from the arrays they view)
        return {**self.__dict__, "_works": [], "_readers": {}}

    @property
    def is_language_model(self) -> bool:
        return self.task.is_language_model

    @property
    def lr(self) -> float:
        """The learning rate now (the optimizer's; ``config.lr`` is the one the run started with)."""
        return self.opt.lr

    def set_lr(self, lr: float) -> None:
        self.opt.lr = float(lr)

    def set_temperature(self, temperature: float) -> None:
        self.config = dataclasses.replace(self.config, temperature=float(temperature))

    # ---- training -------------------------------------------------------------

    def step(self) -> dict:
        """Run one iteration and return its metrics.

        Raises:
            DivergenceError: the loss, a gradient or a parameter went non-finite.
                Nothing is updated in the first two cases; :meth:`rollback` restores
                the last finite state in every case.
        """
        # Non-finite values are detected and reported explicitly; NumPy's own
        # RuntimeWarnings would only scribble over the terminal the app draws on.
        t0 = time.perf_counter()
        try:
            with np.errstate(all="ignore"):
                return self._finish(self._prepare())
        finally:
            self.train_seconds += time.perf_counter() - t0

    def prepare(self, batch=None) -> Pending:
        """First half of an iteration: draw the batch, run forward, make the BPTT
        stepper (not yet stepped).  :meth:`finish` completes it; :meth:`discard`
        undoes it, leaving the trainer exactly as before.

        ``batch``: this one instead of the next of the data (a probe: the user's own
        input, read from a fresh state, its last state not carried on)."""
        with np.errstate(all="ignore"):
            return self._prepare(batch)

    def restart_bptt(self, pending: Pending) -> None:
        """A fresh BPTT stepper for ``pending`` (no timestep processed)."""
        # in pending's own workspace while it is not applied (the old stepper is dropped)
        work = pending.work if pending is not self.last else None
        pending.bptt = BPTT(self.spec, self.params, pending.cache, work=work)

    def full_dh_norm(self, pending: Pending) -> np.ndarray:
        """‖dh_t‖ ``(L, T)`` of ``pending`` over all timesteps, leaving its stepper as it is."""
        bptt = BPTT(self.spec, self.params, pending.cache)
        with np.errstate(all="ignore"):
            bptt.step(bptt.T)
        return bptt.dh_norm

    def finish(self, pending: Pending) -> dict:
        """Second half: the rest of BPTT, checks, clipping, the optimizer update."""
        with np.errstate(all="ignore"):
            return self._finish(pending)

    def _prepare(self, given=None) -> Pending:
        cfg = self.config
        undo = {"rng": self.rng.bit_generator.state if given is None and self.task.draws_next(cfg.batch) else None,
                "position": dict(self.task.get_position())}                 # fresh dicts each call
        if given is None:
            batch = self.task.next_batch(self.rng, cfg.batch)
            # hprev itself changes only when an iteration is applied (nothing to undo)
            h0 = self._h0 if batch.reset or not self.task.carries_state else self.hprev
        else:                                                     # a probe: its own batch, a fresh state
            batch = given
            h0 = np.full((cfg.layers, batch.x.shape[1], cfg.hidden), cfg.h0, dtype=cfg.dtype)
        x = batch.x if self.spec.index_input else batch.x.astype(cfg.dtype, copy=False)
        y = batch.y if self.spec.head == "softmax_ce" else batch.y.astype(cfg.dtype, copy=False)
        # a probe gets a workspace of its own: the training ones (and what the last
        # iteration left in them) stay as they are
        T, B = x.shape[0], x.shape[1]
        work = self._workspace(T, B) if given is None else Workspace(self.spec, T, B)
        cache = forward(self.spec, self.params, x, y, h0, batch.mask, work=work)
        if not math.isfinite(cache.loss):
            self._undo(undo)
            bad = self.bad_param()
            raise DivergenceError(f"loss became {cache.loss} at iteration {self.iteration + 1}, "
                                  f"not applied" + (f" (parameter {bad} is non-finite)" if bad else ""))
        return Pending(batch, cache, BPTT(self.spec, self.params, cache, work=work), undo,
                       carry=given is None, work=work)

    def _workspace(self, T: int, B: int) -> Workspace:
        """Where the next iteration writes: a workspace other than the last applied
        iteration's, whose arrays the views and its :class:`Metrics` still read."""
        busy = self.last.work if self.last is not None else None
        for w in self._works:
            if w is not busy and (w.T, w.B) == (T, B):
                reader = self._readers.pop(id(w), None)
                if reader is not None:
                    reader.expire()                             # the iteration before last's figures
                return w
        w = Workspace(self.spec, T, B)
        self._works = [v for v in self._works if v is busy] + [w]
        self._readers = {k: v for k, v in self._readers.items() if any(id(x) == k for x in self._works)}
        return w

    def discard(self, pending: Pending) -> None:
        """Forget a prepared iteration: RNG and data position go back."""
        self._undo(pending.undo)

    def _undo(self, undo: dict) -> None:
        if undo["rng"] is not None:
            self.rng.bit_generator.state = undo["rng"]
        self.task.set_position(undo["position"])

    def _finish(self, pending: Pending) -> Metrics:
        cfg = self.config
        batch, cache, bptt = pending.batch, pending.cache, pending.bptt
        if not bptt.done:
            bptt.step(bptt.next_t + 1)                             # the rest of BPTT
        grads = bptt.grads
        cols = self._touched_columns(batch)
        norms = None
        if cfg.clip_mode == "norm":
            # norm clipping scales by clip / total: the total is summed from the
            # per-parameter norms as it always was, so a run goes on bit for bit
            norms = grad_norms(grads, cols)
            total = math.sqrt(sum(v * v for v in norms.values()))
        else:
            total = grad_total(grads, cols)                        # before clipping: one dot product
        if not math.isfinite(total):
            self._undo(pending.undo)
            bad = next((k for k, v in grad_norms(grads, cols).items() if not math.isfinite(v)), "?")
            raise DivergenceError(f"gradient of {bad} became non-finite at iteration {self.iteration + 1}, "
                                  "not applied")
        # Clipping rewrites the gradients in place, so when it will change them the
        # per-parameter norms (before clipping) are taken now; otherwise a view can
        # still read them off the gradients later (Metrics).
        if clip_changes(grads, cfg.clip_mode, cfg.clip, total, cols):
            norms = norms or grad_norms(grads, cols)
            clip_grads(grads, cfg.clip_mode, cfg.clip, total=total, columns=cols)
        self.opt.step(self.params, grads, cols)
        if self.task.carries_state and pending.carry:
            self.hprev[...] = cache.hlast
        self.iteration += 1
        self.last = pending
        self.metrics = m = self._metrics(pending, norms, total, cols)
        self.history.add(self.iteration, cache.loss, m["ema"])
        if self.is_language_model and (self.iteration - 1) % cfg.sample_every == 0:
            self._sample_later()
        if self.iteration % self.BACKUP_EVERY == 0:
            # A non-finite weight shows up in the next loss or gradient when it is
            # used; checking every weight only here keeps the step cheap and the
            # backup (what rollback restores) finite.
            bad = self.bad_param()
            if bad:
                raise DivergenceError(f"parameter {bad} became non-finite at iteration {self.iteration}")
            self._backup = self.state_dict(out=self._backup)
        return m

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

    def bad_param(self) -> str | None:
        """The name of a parameter that is not finite (training diverged), or None."""
        flat = flat_of(self.params)
        # one pass: a finite sum of squares has no inf or NaN in it (an overflowing
        # one, from huge finite weights, falls through to the exact check below)
        if flat is not None and math.isfinite(float(np.dot(flat, flat))):
            return None
        for k, p in self.params.items():
            if not np.isfinite(p).all():
                return k
        return None

    def _metrics(self, pending: Pending, norms: dict | None, total: float, cols) -> Metrics:
        """The step's own figures now; the task's, the per-parameter norms (unless
        clipping already took them) and the saturated fraction when first read (see
        :class:`Metrics`)."""
        cfg, cache = self.config, pending.cache
        beta = cfg.ema_beta
        self.ema_raw = beta * self.ema_raw + (1 - beta) * cache.loss
        ema = self.ema_raw / (1 - beta ** self.iteration)            # bias-corrected
        if math.isnan(self.smooth_loss):
            self.smooth_loss = cache.loss
        self.smooth_loss = self.smooth_loss * 0.999 + cache.loss * 0.001
        m = {"iteration": self.iteration, "loss": cache.loss, "ema": ema,
             "smooth_loss": self.smooth_loss, "grad_norm": total, "lr": self.opt.lr}
        recent, it = self.recent, self.iteration
        recent.note(it, pending.batch, cache)              # the task's figures: when read
        dact, grads, activation = pending.bptt.dact, pending.bptt.grads, self.spec.activation

        def view_figures() -> dict:
            # saturated: |h| > 0.95 (tanh) or h outside [0.05, 0.95] (sigmoid), read off
            # f'(h) that BPTT already holds: below f' at those edges means saturated
            edge = 1 - 0.95 * 0.95 if activation == "tanh" else 0.95 * 0.05
            return {"saturated": np.count_nonzero(dact < edge) / dact.size,
                    "grad_norms": norms if norms is not None else grad_norms(grads, cols)}

        metrics = Metrics(m, lambda: recent.figures(it), view_figures)
        if pending.work in self._works:                          # a training workspace (not a probe's)
            self._readers[id(pending.work)] = metrics           # expired when the workspace is reused
        return metrics

    # ---- state ------------------------------------------------------------------

    def state_dict(self, out: dict | None = None) -> dict:
        """Everything that makes the run go on bit for bit from here: ``params``,
        ``opt`` (``"slot/param"`` arrays), ``hprev``, ``history`` (arrays, all copies)
        and ``meta`` (plain JSON-able values).  Checkpoints, rollback and autosave all
        use it.  With ``out`` (an earlier state of this run: the rollback backup) its
        buffers are reused and only what changed is copied (see :meth:`_copy_into`)."""
        meta = {"iteration": self.iteration, "rng": self.rng.bit_generator.state,
                "sample_rng": self.sample_rng.bit_generator.state,
                "position": dict(self.task.get_position()), "ema_raw": self.ema_raw,
                "smooth_loss": self.smooth_loss, "opt_t": self.opt.t, "lr": self.lr,
                "adagrad_mem_has_eps": True,           # (see Adagrad: mem holds Σ g² + 1e-8)
                # the backup (out) keeps a sample not drawn yet as it is: rollback draws it if read
                "vocab": getattr(self.task, "vocab", ""),
                "sample_text": self._sample if out is not None else self.sample_text,
                "sample_iteration": self.sample_iteration,
                # (acc, bit_acc) pairs; the backup needs none: a rollback keeps those up to its iteration
                "recent": self.recent.items() if out is None else None,
                # the last figures: as JSON for a checkpoint; the backup keeps them as they are
                "metrics": plain_numbers(self.metrics) if out is None else
                self.metrics.kept() if isinstance(self.metrics, Metrics) else dict(self.metrics),
                "run_id": self.run_id, "train_seconds": self.train_seconds, "marks": [list(m) for m in self.marks],
                "corpus": getattr(self.task, "fingerprint", None)}
        return self._fresh_state(meta) if out is None else self._copy_into(out, meta)

    def _copy_into(self, out: dict, meta: dict) -> dict:
        """:meth:`state_dict` into the buffers of ``out`` (the backup, taken every
        ``BACKUP_EVERY`` iterations): the parameters and each optimizer slot in one
        copy of its buffer, and of the loss history only the points added since the
        last copy (:meth:`History.copy_state`)."""
        sources = [self.params, *self.opt.slot_views.values()]
        kept = out.get("copies")
        if kept is None or any(a is not b for a, b in zip(kept[0], sources, strict=True)):
            # first time, or the arrays are others now: buffers laid out as the sources
            if any(flat_of(src) is None for src in sources):
                return self._fresh_state(meta)
            names = ["param/", *(f"opt/{s}/" for s in self.opt.slot_views)]
            flats = [empty_like_flat(src) for src in sources]
            views = {prefix + k: v for prefix, dst in zip(names, flats, strict=True) for k, v in dst.items()}
            kept = (sources, [d.flat for d in flats], views)
        for src, dst in zip(sources, kept[1], strict=True):
            np.copyto(dst, src.flat)
        arrays = dict(kept[2])
        old = out["arrays"].get("hprev")
        arrays["hprev"] = old if old is not None and old.shape == self.hprev.shape else np.empty_like(self.hprev)
        np.copyto(arrays["hprev"], self.hprev)
        history, history_kept = self.history.copy_state(out.get("history_copy"))
        arrays.update({f"history/{k}": v for k, v in history.items()})
        return {"arrays": arrays, "meta": meta, "copies": kept, "history_copy": history_kept}

    def _fresh_state(self, meta: dict) -> dict:
        """:meth:`state_dict` in new arrays."""
        arrays = {f"param/{k}": v for k, v in self.params.items()}
        arrays.update({f"opt/{k}": v for k, v in self.opt.state.items()})
        arrays["hprev"] = self.hprev
        arrays.update({f"history/{k}": v for k, v in self.history.state().items()})
        return {"arrays": {k: np.array(v, copy=True) for k, v in arrays.items()}, "meta": meta}

    def load_state_dict(self, state: dict) -> None:
        """Continue from a :meth:`state_dict` of a run with the same settings.

        Raises:
            KeyError, ValueError: an array is missing or does not fit this model
                (the message names it); the trainer is then left unchanged.
        """
        arrays, meta = state["arrays"], state["meta"]
        targets = {f"param/{k}": v for k, v in self.params.items()}
        targets.update({f"opt/{k}": v for k, v in self.opt.state.items()})
        targets["hprev"] = self.hprev
        for k, dst in targets.items():                  # every array checked before any is copied
            if k not in arrays:
                raise KeyError(f"{k} is missing: it does not match this model")
            src = arrays[k]
            if src.dtype.kind != "f":
                raise ValueError(f"{k} is not an array of numbers")
            if src.shape != dst.shape:
                raise ValueError(f"{k} has shape {src.shape}, the model needs {dst.shape}")
        self.task.set_position(meta["position"])       # may refuse it too: before anything is changed
        for k, dst in targets.items():
            dst[...] = arrays[k]
        if isinstance(self.opt, Adagrad) and not meta.get("adagrad_mem_has_eps", False):
            self.opt.fold_eps()                         # saved when mem was Σ g² alone
        self.history.load({k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith("history/")})
        self.opt.t = int(meta["opt_t"])
        self.opt.lr = float(meta.get("lr", self.config.lr))
        self.iteration = int(meta["iteration"])
        self.rng.bit_generator.state = copy.deepcopy(meta["rng"])
        self.sample_rng.bit_generator.state = copy.deepcopy(meta["sample_rng"])
        self.ema_raw, self.smooth_loss = float(meta["ema_raw"]), float(meta["smooth_loss"])
        text = meta.get("sample_text", "")
        self._sample = text if isinstance(text, LaterSample) else str(text)
        self.sample_iteration = int(meta.get("sample_iteration", -1))
        self._drawn = (self._sample, self.sample_iteration) if isinstance(self._sample, str) else ("", -1)
        recent = meta.get("recent", [])
        if recent is None:                               # the backup: the iterations after it are undone
            self.recent.drop_after(self.iteration)
        else:
            self.recent = RecentFigures(self.task, self.recent.n, self.recent.entries.maxlen - self.recent.n,
                                        (tuple(r) for r in recent), self.iteration)
        self.metrics = copy.deepcopy(dict(meta.get("metrics", {})))   # the last iteration's figures
        self.run_id = str(meta.get("run_id", self.run_id))
        self.marks = [(int(i), str(what)) for i, what in meta.get("marks", [])]
        self.train_seconds = float(meta.get("train_seconds", 0.0))
        self.last = None
        self._backup = self.state_dict(out=self._backup)

    def rollback(self) -> int:
        """Restore the last finite state (at most ``BACKUP_EVERY`` iterations back).

        Returns the iteration restored.  The loss history goes back with it, so
        the curve does not keep the iterations that were undone; the learning rate
        stays (lowering it is what usually comes next).
        """
        lr = self.lr
        self.load_state_dict(self._backup)
        self.set_lr(lr)
        self.mark(f"rolled back to {self.iteration}")
        return self.iteration

    def mark(self, what: str) -> None:
        """Note on the loss curve that ``what`` happened at the current iteration."""
        self.marks.append((self.iteration, what))

    # ---- views ----------------------------------------------------------------

    def forward_view(self, pending: Pending, shown: int) -> ForwardView:
        """What the forward step-through shows after revealing ``shown`` timesteps."""
        cache = pending.cache
        T = cache.h.shape[1]
        shown = max(0, min(T, shown))
        t = shown - 1
        terms = tuple(FrozenDict(forward_terms(self.spec, self.params, cache, t, l))
                      for l in range(self.spec.layers)) if t >= 0 else ()
        ex = example_fields(self.task, pending.batch, cache)
        h = np.array(ex["h"])
        h[:, shown:] = np.nan
        ex["h"] = frozen(h)
        tgt = int(cache.y[t, 0]) if t >= 0 and self.spec.head == "softmax_ce" else None
        return ForwardView(T=T, layers=self.spec.layers, shown=shown, terms=terms,
                           probs_t=frozen(cache.probs[t, 0]) if t >= 0 else None, target_index=tgt,
                           activation=self.spec.activation, head=self.spec.head,
                           iteration=self.iteration + 1, inputs=self._inputs(pending.batch),
                           carried=self.task.carries_state and pending.carry, batch=cache.h.shape[2],
                           bias=self.spec.bias, probe=not pending.carry, **ex)

    def bptt_view(self, pending: Pending) -> BpttView:
        """What the step-through view shows of a prepared iteration (example 0),
        read straight off the BPTT stepper and the forward cache."""
        bptt, cache = pending.bptt, pending.cache
        L = self.spec.layers
        t = bptt.t

        def rows(vals):
            return frozen(np.stack([v[0] if v is not None else np.full(self.spec.hidden_size, np.nan)
                                    for v in vals])) if t is not None else None

        tgt = int(cache.y[t, 0]) if t is not None and self.spec.head == "softmax_ce" else None
        return BpttView(
            T=bptt.T, layers=L, t=t, processed=bptt.T - 1 - bptt.next_t,
            dh_norm=frozen(bptt.dh_norm),
            dy_t=frozen(bptt.dy[t, 0]) if t is not None else None,
            dh_t=rows(bptt.dh_t), dhraw_t=rows(bptt.dhraw_t),
            dhnext=rows(bptt.dhnext) if t is not None else None,
            dx_t=rows(bptt.dx_t) if t is not None and L > 1 else None,
            grad_norms=FrozenDict(grad_norms(bptt.sums_so_far())),
            grad_shapes=FrozenDict({k: tuple(g.shape) for k, g in bptt.grads.items()}),
            target_index=tgt, loss=cache.loss, activation=self.spec.activation,
            iteration=self.iteration + 1, batch=cache.h.shape[2], inputs=self._inputs(pending.batch),
            carried=self.task.carries_state and pending.carry, probe=not pending.carry,
            **example_fields(self.task, pending.batch, cache))

    def _inputs(self, batch) -> tuple:
        """Example 0's inputs in full (labels are one-cell glyphs)."""
        return tuple(self.task.input_text(batch, 0))

    @property
    def sample_text(self) -> str:
        """The latest sample (language models), made at :attr:`sample_iteration`.

        The step that makes one every ``sample_every`` iterations only notes what
        it needs (:class:`LaterSample`); it is drawn here, the first time it is read.
        A sample nobody reads (headless training, or several due between two frames
        of the app) costs a copy of the weights instead of a whole draw, and what is
        read is exactly what drawing it then would have given."""
        later = self._sample
        if isinstance(later, LaterSample):
            rng = np.random.Generator(type(self.sample_rng.bit_generator)())
            rng.bit_generator.state = later.rng_state
            self._sample = self._draw(later.params, later.start, later.n, rng, later.temperature, later.top_k)
            self._drawn = (self._sample, self.sample_iteration)
        return self._sample

    @sample_text.setter
    def sample_text(self, text: str) -> None:
        self._sample = text
        self._drawn = (text, self.sample_iteration)

    def resample(self, n: int | None = None, temperature: float | None = None) -> str:
        """Generate a fresh sample (language models) where the task says it starts."""
        if not self.is_language_model:
            return ""
        cfg = self.config
        start = self.task.sample_start(self.hprev, self.last.batch if self.last else None)
        self.sample_iteration = self.iteration
        self.sample_text = self._draw(self.params, start, n or start.length or cfg.sample_len, self.sample_rng,
                                      cfg.temperature if temperature is None else temperature, cfg.top_k)
        return self.sample_text

    def _draw(self, params, start, n: int, rng: np.random.Generator, temperature: float, top_k: int) -> str:
        ixs, _ = sample(self.spec, params, start.h, start.seed_ix, n, rng, temperature=temperature, top_k=top_k)
        return start.prefix + self.task.decode(ixs)

    def _sample_later(self) -> None:
        """The sample due now, as a :class:`LaterSample`; drawn at once when the RNG
        cannot be moved on without drawing, or when a copy of the weights would cost
        more memory than :attr:`LATER_SAMPLE_BYTES`."""
        bitgen = self.sample_rng.bit_generator
        weight_bytes = sum(w.nbytes for w in self.params.values())
        if not hasattr(bitgen, "advance") or weight_bytes > self.LATER_SAMPLE_BYTES:
            self.resample()
            return
        cfg = self.config
        start = self.task.sample_start(self.hprev, self.last.batch)
        start = dataclasses.replace(start, h=np.array(start.h))          # hprev moves on in place
        n = start.length or cfg.sample_len
        params = empty_like_flat(self.params)
        for k, w in params.items():
            w[...] = self.params[k]
        state = bitgen.state
        bitgen.advance(n)                    # sampling draws one double (one 64-bit output) a symbol
        self._sample = LaterSample(params, start, n, cfg.temperature, cfg.top_k, state)
        self.sample_iteration = self.iteration

    def current_config(self) -> Config:
        """The settings now: the config, with the learning rate the optimizer has now
        (what a reset restarts with, what a checkpoint records)."""
        return dataclasses.replace(self.config, lr=self.lr)

    def snapshot(self, example: Pending | None = None, dh_norm: np.ndarray | None = None,
                 sample: bool = True) -> Snapshot:
        """An immutable copy of what a view needs (example 0 of the last batch, or of
        the next one before the first step; or of ``example``, a probe, with its
        ‖dh_t‖ ``dh_norm``).  ``sample``: the sample due is drawn for it (else the
        snapshot carries the last one drawn: its panel is not on screen)."""
        last = self.last if example is None else example
        if last is None:
            # Nothing trained since start, load or rollback: show the next example and
            # what the current weights make of it (prepared, then undone: no state moves).
            try:
                last = self.prepare()
                self.discard(last)
            except DivergenceError:
                last = None
        if last is None:
            L, H, T = self.spec.layers, self.spec.hidden_size, self.config.seq_len
            ex, h0, dh, info = blank_example(L, T, H, self.spec.output_size), np.zeros((L, H)), \
                np.full((L, T), np.nan), {}
        else:
            ex, h0, dh = example_fields(self.task, last.batch, last.cache), last.cache.h0[:, 0], last.bptt.dh_norm
            if dh_norm is not None:
                dh = dh_norm
            info = {k: (v[0].item() if isinstance(v, np.ndarray) else v)
                    for k, v in (last.batch.info or {}).items()}
        text, text_iteration = (self.sample_text, self.sample_iteration) if sample else self._drawn
        return Snapshot(iteration=self.iteration, task=self.task.name, run_id=self.run_id, saved=self.saved,
                        marks=tuple(self.marks), train_seconds=self.train_seconds,
                        config=FrozenDict(dataclasses.asdict(self.current_config())),
                        metrics=frozen_tree(self.metrics),
                        history=tuple(frozen(a) for a in self.history.arrays()),
                        h0=frozen(h0), dh_norm=frozen(dh), info=FrozenDict(info),
                        sample=text, sample_iteration=text_iteration,
                        activation=self.spec.activation, vocab=getattr(self.task, "vocab", ""), **ex)


def plain_numbers(metrics: dict) -> dict:
    """``metrics`` with NumPy scalars as plain numbers (JSON), nested dicts kept."""
    return {k: plain_numbers(v) if isinstance(v, dict) else (int(v) if isinstance(v, (int, np.integer)) else float(v))
            for k, v in metrics.items() if isinstance(v, (dict, int, float, np.number))}
