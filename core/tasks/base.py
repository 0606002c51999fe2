"""What every task provides: the :class:`Task` base with its traits, and :class:`Batch`.

Dimensions: T time, B batch, D input width, V output width.

A task is a class.  Its traits are class attributes, readable without building the
task (the app reads them off the class by the run's task name):

* ``name``, ``order`` (the app's key number), ``title`` (one line for help);
* ``DEFAULTS`` — the tutorial's hyper-parameters;
* ``options`` — the settings only some tasks use (``text``, ``bits``, ``delay``,
  ``seq_len``) that apply to this one; ``fixed_length`` says why ``seq_len`` does not;
* ``is_language_model``, ``has_corpus``, ``carries_state``;
* ``renderer`` — how the app draws predictions (``"symbols"``, ``"binary"``,
  ``"regression"``), ``x_label`` (the heatmap's input row), ``accuracy_label``.

An instance (built by :meth:`Task.from_config`) provides ``spec_fields()``,
``next_batch(rng, B)``, ``metrics(batch, cache)``, ``labels(batch, b)`` and
``target_labels(batch, b)``, and its data position (``get_position`` / ``set_position``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np


class TaskError(ValueError):
    """A task cannot be built from what it was given (message is for the user)."""


@dataclass
class Batch:
    """One training batch.

    Attributes:
        x: ``(T, B)`` indices or ``(T, B, D)`` floats.
        y: ``(T, B)`` indices or ``(T, B, V)`` floats.
        mask: ``(T,)`` loss weight of each timestep.
        reset: True when the carried hidden state must start afresh.
        info: task-specific extras for views (the numbers of a subtraction...).
    """

    x: np.ndarray
    y: np.ndarray
    mask: np.ndarray
    reset: bool = True
    info: dict | None = None


@dataclass(frozen=True)
class SampleStart:
    """Where a language model's sample starts: state ``h (L, H)``, the symbol fed
    first, the text shown before the sampled symbols, and its length (None: the
    configured ``sample_len``)."""

    h: np.ndarray
    seed_ix: int
    prefix: str = ""
    length: int | None = None


class Task(ABC):
    """Base of every task; see the module docstring for the traits."""

    name: ClassVar[str]
    order: ClassVar[int] = 100
    title: ClassVar[str] = ""
    DEFAULTS: ClassVar[dict] = {}
    options: ClassVar[tuple[str, ...]] = ("seq_len",)
    fixed_length: ClassVar[str] = ""
    is_language_model: ClassVar[bool] = False
    has_corpus: ClassVar[bool] = False
    carries_state: ClassVar[bool] = False
    draws_batches: ClassVar[bool] = True
    """Whether :meth:`next_batch` draws from the RNG it is given.  A task that reads
    its data in order says False: undoing a prepared iteration then has no RNG to put back."""
    renderer: ClassVar[str] = "symbols"
    x_label: ClassVar[str] = "x"
    accuracy_label: ClassVar[str] = "sequences all right"

    # ---- traits that depend on the settings ------------------------------------------

    @classmethod
    def loss_title(cls, T: int) -> str:
        """The Loss panel's title: what one iteration's loss adds up."""
        return f"Loss · cross-entropy summed over the {T} steps of a window"

    @classmethod  # noqa: B027 (by default nothing)
    def resolve(cls, vals: dict, given: dict) -> None:
        """Fill in, in place, the settings this task fixes or derives.  ``vals`` are a
        config's fields with the task defaults applied, ``given`` the same fields as
        the user set them (None: not set)."""

    @classmethod  # noqa: B027 (by default nothing)
    def validate(cls, cfg) -> None:
        """Raise :class:`TaskError` if a resolved config does not suit this task."""

    @classmethod
    def unscored_steps(cls, config: dict) -> int:
        """Leading timesteps whose target cannot be known (left out of the accuracy)."""
        return 0

    @classmethod
    @abstractmethod
    def from_config(cls, cfg, progress=None) -> "Task":
        """The task for a resolved :class:`~rnn_tui.core.config.Config`; ``progress(stage,
        done, total)`` hears how loading its data goes (a large corpus takes seconds)."""

    # ---- what an instance provides ----------------------------------------------------

    @abstractmethod
    def spec_fields(self) -> dict:
        """Input/output widths, head, whether inputs are indices (see ``Spec``)."""

    @abstractmethod
    def next_batch(self, rng: np.random.Generator, B: int) -> Batch:
        """The next training batch (its arrays are not written to afterwards: the
        task's figures of an iteration are worked out from them later)."""

    @abstractmethod
    def metrics(self, batch: Batch, cache) -> dict:
        """Task accuracy figures for one batch (``accuracy``, and ``bit_accuracy``
        where an example has several scored outputs; or others such as ``mse``).
        Reads only ``cache.probs`` and ``cache.loss``: a training iteration's are
        worked out when read, from a copy of them (:mod:`rnn_tui.core.figures`)."""

    @abstractmethod
    def labels(self, batch: Batch, b: int = 0) -> list[str]:
        """The input of each timestep of example ``b``, one short glyph each."""

    @abstractmethod
    def target_labels(self, batch: Batch, b: int = 0) -> list[str]:
        """The target of each timestep of example ``b`` ("" where none is scored)."""

    def input_text(self, batch: Batch, b: int = 0) -> list[str]:
        """Every input of each timestep written out in full (step-through views)."""
        return self.labels(batch, b)

    def draws_next(self, B: int) -> bool:
        """Whether the next :meth:`next_batch` of ``B`` examples draws from the RNG (a
        task that draws ahead, in blocks, does not at every call): when it does not, a
        prepared iteration has no RNG state to save for its undo."""
        return self.draws_batches

    def get_position(self) -> dict:
        """Where in its data the task is (saved in checkpoints; empty for drawn data)."""
        return {}

    def set_position(self, state: dict) -> None:  # noqa: B027 (by default nothing)
        """Go back to a position :meth:`get_position` returned."""

    def sample_start(self, hprev: np.ndarray, last_batch: Batch | None) -> SampleStart:
        """Language models: where the Text panel's sample starts (``hprev (L, B, H)``)."""
        raise TaskError(f"task {self.name} does not generate text")

    probe_hint: ClassVar[str] = ""
    """What to type to probe the network with an input of one's own ("" : no probe)."""
    probe_example: ClassVar[str] = ""
    """An input that fits (the probe dialog's placeholder)."""

    def probe_batch(self, typed: str) -> Batch:
        """A one-example batch made of what the user typed (:attr:`probe_hint`), or
        :class:`TaskError` saying in one line what is wrong with it."""
        raise TaskError(f"task {self.name} has no input to type: its examples are random vectors")
