"""What the views are handed: immutable copies of a run's state, safe to send to
another thread or process.

:class:`Snapshot` is the live view of a run; :class:`BpttView` and
:class:`ForwardView` are the two step-throughs.  All three show example 0 of a
batch, and :func:`example_fields` is the one place that reads it off a batch and
its forward cache.  A recording stores snapshots field by field
(:func:`snapshot_to_record` / :func:`snapshot_from_record`), driven by the
dataclass's own fields.

Dimensions: L layers, T time, H hidden, V output width.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass

import numpy as np


class FrozenDict(dict):
    """A dict that refuses changes (and still pickles, unlike ``MappingProxyType``)."""

    def _readonly(self, *args, **kwargs):
        raise TypeError("snapshot data is read-only")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _readonly  # type: ignore

    def __reduce__(self):
        return (FrozenDict, (dict(self),))


def frozen(a) -> np.ndarray:
    """A read-only copy of ``a``."""
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def frozen_tree(d: dict) -> FrozenDict:
    """``d`` as a :class:`FrozenDict`, nested dicts too."""
    return FrozenDict({k: frozen_tree(v) if isinstance(v, dict) else v for k, v in d.items()})


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
    run_id: str = ""
    """Which run this is: a task switch, a reset or a load gives another one."""
    saved: tuple | None = None
    """The user's last checkpoint of this run, ``(path, iteration)``, or None."""
    marks: tuple = ()
    """``(iteration, what)`` of what changed during the run (see ``Trainer.marks``)."""
    train_seconds: float = 0.0
    """Wall time spent training so far."""


def placeholder_snapshot(config: dict, iteration: int = 0) -> Snapshot:
    """What the UI shows of a run that is still being built (its corpus read): the
    settings, and zeros where the network will be."""
    L, T, H = int(config["layers"]), int(config["seq_len"]), int(config["hidden"])
    return Snapshot(iteration=iteration, task=config["task"], config=FrozenDict(config), metrics=FrozenDict(),
                    history=tuple(frozen(np.zeros(0)) for _ in range(3)), h0=frozen(np.zeros((L, H))),
                    dh_norm=frozen(np.full((L, T), np.nan)), info=FrozenDict(),
                    activation=config["activation"], **blank_example(L, T, H, 1))


def example_fields(task, batch, cache) -> dict:
    """Example 0 of ``batch`` and its forward ``cache``, as every view shows it."""
    return {"labels": tuple(task.labels(batch, 0)), "targets": tuple(task.target_labels(batch, 0)),
            "h": frozen(cache.h[:, :, 0]), "probs": frozen(cache.probs[:, 0]),
            "step_loss": frozen(cache.step_loss)}


def blank_example(L: int, T: int, H: int, V: int) -> dict:
    """:func:`example_fields` when there is no example to show (all zeros)."""
    return {"labels": ("",) * T, "targets": ("",) * T, "h": frozen(np.zeros((L, T, H))),
            "probs": frozen(np.zeros((T, V))), "step_loss": frozen(np.zeros(T))}


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
    """B: dy (and so every gradient) carries the batch mean's 1/B."""
    inputs: tuple = ()
    """x_t written out in full per timestep (labels are one-cell glyphs)."""
    carried: bool = False
    """h_{-1} is the state carried from the previous window (else the fixed h0)."""
    probe: bool = False
    """The example is the user's own input (a probe), not the next of the data."""


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
    probe: bool = False
    """The example is the user's own input (a probe), not the next of the data."""
    batch: int = 1
    bias: bool = True
    """The network has the biases bh and by (subtraction and addition have none)."""

    @property
    def t(self) -> int | None:
        return self.shown - 1 if self.shown > 0 else None


# ---- snapshots in a recording ---------------------------------------------------------

RUN_FIELDS = ("task", "config", "activation", "vocab", "run_id")
"""Snapshot fields that a whole recording shares (its header holds them)."""
LIVE_ONLY = ("history", "saved", "marks", "train_seconds")
"""Snapshot fields a recording does not store (the history is rebuilt from the losses)."""


def snapshot_to_record(snap: Snapshot, pack) -> dict:
    """A snapshot's own fields as JSON-able values (``pack`` encodes an array);
    the run's fields (:data:`RUN_FIELDS`) and the history are left out."""
    out = {}
    for f in dataclasses.fields(Snapshot):
        if f.name in RUN_FIELDS or f.name in LIVE_ONLY:
            continue
        v = getattr(snap, f.name)
        if isinstance(v, np.ndarray):
            v = pack(v)
        elif isinstance(v, dict):
            v = _plain(v)
        elif isinstance(v, tuple):
            v = list(v)
        out[f.name] = v
    return out


def snapshot_from_record(rec: dict, run: dict, history: tuple, unpack) -> Snapshot:
    """The :class:`Snapshot` :func:`snapshot_to_record` wrote, with the run's fields
    ``run`` and the loss ``history``; ``unpack`` decodes an array."""
    types = typing.get_type_hints(Snapshot)
    vals = {"history": tuple(frozen(a) for a in history)}
    for f in dataclasses.fields(Snapshot):
        if f.name in LIVE_ONLY:
            continue
        if f.name in RUN_FIELDS:
            if f.name in run:
                vals[f.name] = run[f.name]
            continue
        if f.name not in rec:
            continue                            # an optional field an older file lacks
        v, kind = rec[f.name], types[f.name]
        if kind is np.ndarray:
            v = frozen(unpack(v))
        elif kind is FrozenDict:
            v = frozen_tree(v)
        elif kind is tuple:
            v = tuple(v)
        elif kind in (int, str):
            v = kind(v)
        vals[f.name] = v
    return Snapshot(**vals)


def _plain(d: dict) -> dict:
    """Nested dicts of numbers as plain JSON values (NumPy scalars become floats and ints)."""
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out[k] = _plain(v)
        elif isinstance(v, (bool, np.bool_)):
            out[k] = bool(v)
        elif isinstance(v, (int, np.integer)):
            out[k] = int(v)
        elif isinstance(v, (float, np.floating)):
            out[k] = float(v)
        elif isinstance(v, str):
            out[k] = v
    return out
