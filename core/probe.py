"""A probe: the network on an input of one's own, without training.

The task turns what was typed into a one-example batch (``Task.probe_batch``: a
text, two numbers, a bit string); the trainer prepares it as it prepares a training
example — from a fresh hidden state, without drawing from the data or its RNG — so
every view (heatmap, predictions, per-timestep loss, ‖dh_t‖, both step-throughs)
shows it the way it shows training examples.  Discarding it leaves the run exactly
as it was; finishing it (``a`` in the BPTT step-through) is one training step on it.

:func:`probe_view` adds what only a probe shows: for a language model, the symbols
it expects after the text and a sample that goes on from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rnn_tui.core.sampling import sample

TOP_K = 5
"""Most likely next symbols shown after a probed text."""
MAX_LENGTH = 400
"""Longest input a probe takes (symbols, or bits): longer ones are refused."""


@dataclass(frozen=True)
class ProbeView:
    """What the UI shows of a probe beyond the snapshot of its example.

    Attributes:
        text: what was typed.
        error: why it was refused, in one line ("" when it is shown).
        loss: the loss on it (the current weights), over its scored steps.
        T: its timesteps.
        scored: the timesteps its loss counts (a text's last character has no next
            one to predict).
        top: language models: ``(symbol, p)`` of the most likely symbols after the
            text, most likely first.
        continuation: language models: a sample that goes on from the text.
        temperature: the temperature the continuation was drawn at.
        applied: training steps applied on it so far (``a`` in its BPTT step-through).
    """

    text: str
    error: str = ""
    loss: float = math.nan
    T: int = 0
    scored: int = 0
    top: tuple = ()
    continuation: str = ""
    temperature: float = 1.0
    applied: int = 0


def probe_batch(task, text: str):
    """The task's batch for ``text``, or ``TaskError`` saying what is wrong with it."""
    from rnn_tui.core.tasks import TaskError

    if len(text) > MAX_LENGTH:
        raise TaskError(f"at most {MAX_LENGTH} characters (got {len(text):,}): a probe is one example")
    batch = task.probe_batch(text)
    if batch.mask is not None and not np.any(batch.mask):
        raise TaskError("type at least two symbols: the network predicts each next one, and the last "
                        "has none to be scored")
    return batch


def probe_view(trainer, pending, text: str, draw: int = 0, applied: int = 0) -> ProbeView:
    """The view of ``pending`` (a probe prepared from ``text``).  ``draw`` numbers the
    continuations: each has its own random stream, so drawing one never moves the
    run's own generators (the probe leaves training bit for bit as it was)."""
    cache = pending.cache
    T = cache.h.shape[1]
    top, continuation = (), ""
    if trainer.is_language_model:
        p = cache.probs[T - 1, 0]
        order = np.argsort(-p, kind="stable")[:TOP_K]
        top = tuple((trainer.task.vocab[int(i)], float(p[i])) for i in order)
        cfg = trainer.config
        # from the state before the last symbol, fed that symbol: the first sampled
        # one is drawn from the distribution after the whole text (``top``)
        h = cache.h[:, T - 2, 0] if T > 1 else cache.h0[:, 0]
        rng = np.random.default_rng([cfg.seed, 3, draw])
        ixs, _ = sample(trainer.spec, trainer.params, h, int(cache.x[T - 1, 0]), cfg.sample_len, rng,
                        temperature=cfg.temperature, top_k=cfg.top_k)
        continuation = trainer.task.decode(ixs)
    return ProbeView(text=text, loss=float(cache.loss), T=T, scored=int(np.count_nonzero(cache.mask)),
                     top=top, continuation=continuation,
                     temperature=trainer.config.temperature, applied=applied)
