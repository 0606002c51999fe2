"""BPTT as a learner might have typed it: the classic mistakes, each reproducible.

The check recognises a mistake by *reproducing* it: :func:`run` is BPTT written as
one plain loop over timesteps (and layers, top to bottom) in which each mistake of
:data:`MISTAKES` can be switched on.  When the user's gradients equal, to rounding,
what this loop gives with a mistake switched on — and their traced ``dy``, ``dh``,
``dhraw``, ``dhnext`` equal its per-timestep values — that mistake is the
diagnosis, with nothing guessed from names.  With no mistake switched on the loop
is rnn-tui's BPTT (a test holds it to :func:`rnn_tui.core.model.backward`).

Dimensions: L layers, T time, B batch, H hidden, D input width, V output width;
arrays are rnn-tui's, time-major and batch-rowed, so the column form
``dhnext = Whhᵀ dhraw`` is written ``dhraw @ Whh``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from rnn_tui.core.losses import HEADS
from rnn_tui.core.model import Cache, Spec, forward, layer_names

QUANTITIES = ("dy", "dh", "dhraw", "dhnext")
"""The per-timestep values of min-char-rnn's backward loop that the trace follows, in
the order one pass computes them."""


@dataclass(frozen=True)
class Mistake:
    """One classic mistake.

    Attributes:
        id: short name (a key of :data:`MISTAKES`).
        title: what the learner wrote, in min-char-rnn's terms.
        hint: one line: what to write instead, and why.
        activations: the activations it applies to (all when empty).
    """

    id: str
    title: str
    hint: str
    activations: tuple = ()


MISTAKES: dict[str, Mistake] = {m.id: m for m in (
    Mistake("no_dhnext", "`+ dhnext` missing from dh",
            "dh = np.dot(Why.T, dy) + dhnext: dh_t also gets what flows back from t+1 "
            "(zero dhnext once, before the loop)"),
    Mistake("dhnext_stale", "dhnext is never updated",
            "end every pass with dhnext = np.dot(Whh.T, dhraw), the gradient carried to t-1"),
    Mistake("dhnext_Whh", "dhnext is updated with Whh instead of Whh.T",
            "dhnext = np.dot(Whh.T, dhraw): the gradient goes back through the transpose of the "
            "matrix that went forward"),
    Mistake("deriv_1mh", "the tanh derivative written as 1 - h",
            "tanh'(z) = 1 - tanh(z)² = 1 - h²: dhraw = (1 - hs[t] * hs[t]) * dh", ("tanh",)),
    Mistake("deriv_preact", "the {act} derivative taken at the pre-activation",
            "{deriv} is written in terms of h = {act}(hraw): use hs[t], not the value before the {act}"),
    Mistake("deriv_twice", "{act} applied twice in the derivative",
            "h is already {act}(hraw): the derivative is {deriv}, not {act}'(h)"),
    Mistake("dy_no_target", "`dy[target] -= 1` missing",
            "dy = p - onehot(target): copy ps[t], then subtract 1 at the target's index"),
    Mistake("dWhh_ht", "dWhh built from hs[t] instead of hs[t-1]",
            "dWhh += np.dot(dhraw, hs[t-1].T): Whh multiplied the previous state"),
    Mistake("dWhh_no_t0", "dWhh leaves out t = 0 (the term with hprev)",
            "add dWhh += np.dot(dhraw, hs[t-1].T) at t = 0 too: hs[-1] is hprev, the state "
            "carried in, and Whh multiplied it"),
    Mistake("not_reset", "gradients not reset between calls",
            "create dWxh, dWhh, … with np.zeros_like inside the function, at every call"),
    Mistake("dbh_last", "dbh not accumulated over t",
            "dbh += dhraw (not dbh = dhraw): the bias gets a share at every timestep"),
    Mistake("dby_last", "dby not accumulated over t",
            "dby += dy (not dby = dy): the bias gets a share at every timestep"),
    Mistake("dWxh_last", "dWxh not accumulated over t",
            "dWxh += np.dot(dhraw, xs[t].T) (not dWxh = …): the weights get a share at every timestep"),
    Mistake("dWhh_last", "dWhh not accumulated over t",
            "dWhh += np.dot(dhraw, hs[t-1].T) (not dWhh = …): the weights get a share at every timestep"),
    Mistake("dWhy_last", "dWhy not accumulated over t",
            "dWhy += np.dot(dy, hs[t].T) (not dWhy = …): the weights get a share at every timestep"),
    Mistake("clipped", "gradients clipped inside the function",
            "return the raw gradients and clip in the training loop; a check compares unclipped ones"),
    Mistake("h0_zero", "hs[-1] not taken from hprev",
            "hs[-1] = np.copy(hprev): the first step starts from the state carried in, not from zeros"),
    Mistake("skip_t0", "the backward loop skips t = 0",
            "for t in reversed(range(len(inputs))) visits every timestep down to 0"),
)}

# The mistakes a variant of the backward loop reproduces (not_reset and clipped are
# seen across calls and after the loop instead).
FLAGS = ("no_dhnext", "dhnext_stale", "dhnext_Whh", "deriv_1mh", "deriv_preact", "deriv_twice",
         "dy_no_target", "dWhh_ht", "dWhh_no_t0", "dbh_last", "dby_last", "dWxh_last", "dWhh_last", "dWhy_last",
         "h0_zero", "skip_t0")

# Pairs that say nothing new: once dhnext is never added, how it is updated does not matter.
_REDUNDANT = ({"no_dhnext", "dhnext_stale"}, {"no_dhnext", "dhnext_Whh"}, {"dhnext_stale", "dhnext_Whh"},
              {"deriv_1mh", "deriv_preact"}, {"deriv_1mh", "deriv_twice"}, {"deriv_preact", "deriv_twice"},
              {"dbh_last", "skip_t0"}, {"dby_last", "skip_t0"}, {"dWhh_no_t0", "skip_t0"},
              {"dWhh_no_t0", "h0_zero"}, {"dWxh_last", "skip_t0"}, {"dWhh_last", "skip_t0"},
              {"dWhy_last", "skip_t0"}, {"dWhh_last", "dWhh_no_t0"})


def derivative_text(activation: str) -> str:
    return "1 - h²" if activation == "tanh" else "h (1 - h)"


def describe(mistake_id: str, activation: str, contract: str = "lossFun") -> tuple[str, str]:
    """Title and hint of a mistake for a network of this activation, its code written
    as the contract's file writes it (:func:`in_rows` for ``loss_and_grads``)."""
    m = MISTAKES[mistake_id]
    fill = {"act": activation, "deriv": derivative_text(activation)}
    title, hint = m.title.format(**fill), m.hint.format(**fill)
    if contract == "lossFun":
        return title, hint
    if mistake_id == "dhnext_Whh":
        title = "dhnext is updated through Whh the wrong way round"
    return in_rows(title), in_rows(hint)


# min-char-rnn's column vectors (what a hint says for a lossFun file) -> the same line
# for loss_and_grads, whose arrays are rows (B, X)
ROWS = (("np.dot(Why.T, dy)", "dy @ Why"), ("np.dot(Whh.T, dhraw)", "dhraw @ Whh"),
        ("np.dot(dhraw, hs[t-1].T)", "dhraw.T @ hs[t-1]"), ("np.dot(dhraw, xs[t].T)", "dhraw.T @ inputs[t]"),
        ("np.dot(dy, hs[t].T)", "dy.T @ hs[t]"), ("dbh += dhraw", "dbh += dhraw.sum(axis=0)"),
        ("dby += dy", "dby += dy.sum(axis=0)"),
        ("hs[-1] = np.copy(hprev)", "hs[-1] = h0[layer]"), ("from hprev", "from h0"),
        ("hs[-1] is hprev", "hs[-1] is h0[layer]"), ("with hprev", "with h0"),
        ("copy ps[t], then subtract 1 at the target's index", "subtract 1 at each example's target, then / B"),
        ("dWxh, dWhh, …", "the gradient arrays"))


def in_rows(text: str) -> str:
    """A hint's min-char-rnn code written for row arrays (see :data:`ROWS`)."""
    for col, row in ROWS:
        text = text.replace(col, row)
    return text


def applies(mistake_id: str, spec: Spec) -> bool:
    m = MISTAKES[mistake_id]
    return not m.activations or spec.activation in m.activations


def candidates(spec: Spec, T: int, pairs: bool = True) -> list[frozenset]:
    """Sets of mistakes to try: none, each alone, then each pair that means something."""
    flags = [f for f in FLAGS if applies(f, spec) and not (f == "skip_t0" and T < 2)]
    out = [frozenset()] + [frozenset([f]) for f in flags]
    if pairs:
        out += [frozenset(p) for p in itertools.combinations(flags, 2) if set(p) not in _REDUNDANT]
    return out


@dataclass
class Variant:
    """What BPTT with some mistakes gives on one example.

    Attributes:
        flags: the mistakes switched on.
        cache: the forward pass it ran on (``h0`` zero under ``h0_zero``).
        grads: parameter name -> gradient.
        steps: quantity -> ``(L, T, B, X)`` per-timestep values (``dy`` is the same
            for every layer); NaN where a timestep was not processed.
    """

    flags: frozenset
    cache: Cache
    grads: dict[str, np.ndarray]
    steps: dict[str, np.ndarray]

    @property
    def loss(self) -> float:
        return self.cache.loss


def _deriv(spec: Spec, flags: frozenset, h: np.ndarray, hraw: np.ndarray) -> np.ndarray:
    tanh = spec.activation == "tanh"
    if "deriv_1mh" in flags:
        return 1.0 - h
    if "deriv_preact" in flags:
        return 1.0 - hraw * hraw if tanh else hraw * (1.0 - hraw)
    if "deriv_twice" in flags:
        if tanh:
            th = np.tanh(h)
            return 1.0 - th * th
        s = 1.0 / (1.0 + np.exp(-h))
        return s * (1.0 - s)
    return 1.0 - h * h if tanh else h * (1.0 - h)


def _output_delta(spec: Spec, flags: frozenset, cache: Cache) -> np.ndarray:
    """dy at every timestep, ``(T, B, V)``, as the head gives it (or as ``dy_no_target`` does)."""
    head = HEADS[spec.head]
    if "dy_no_target" not in flags:
        return head.backward(cache.probs, cache.logits, cache.y, cache.mask)   # (T, B, V)
    # the output itself, without the target taken off: the head's delta for
    # a target of zeros (for softmax, p alone, no onehot subtracted)
    if head.index_targets:
        B = cache.h.shape[2]
        return cache.probs * (cache.mask / B)[:, None, None]
    return head.backward(cache.probs, cache.logits, np.zeros_like(cache.probs), cache.mask)


def _add_term(grad: np.ndarray, term: np.ndarray, last_only: bool) -> None:
    """``grad += term``; under a ``*_last`` mistake ``grad = term`` (the sum over t is lost)."""
    if last_only:
        grad[...] = term
    else:
        grad += term


def run(spec: Spec, params: dict[str, np.ndarray], x, y, h0, mask, flags: frozenset = frozenset(),
        cache: Cache | None = None, clip: tuple[str, float] | None = None) -> Variant:
    """BPTT over one example with the mistakes in ``flags`` switched on.

    Args:
        cache: a forward pass of the same example from ``h0`` to reuse (ignored
            under ``h0_zero``, which runs its own from zeros).
        clip: ``(quantity, c)``: ``dh`` or ``dhnext`` cut to ±c at every timestep,
            inside the loop (a learner's ``dh = np.clip(dh, -c, c)``); or ``sums``:
            every gradient sum cut to ±c at the end of every timestep.
    """
    if "h0_zero" in flags:
        cache = forward(spec, params, x, y, np.zeros_like(h0), mask)
    elif cache is None:
        cache = forward(spec, params, x, y, h0, mask)
    L, T, B, H = cache.h.shape
    dy = _output_delta(spec, flags, cache)                              # (T, B, V)
    V = dy.shape[2]
    g = {k: np.zeros_like(v) for k, v in params.items()}
    steps = {q: np.full((L, T, B, V if q == "dy" else H), np.nan) for q in QUANTITIES}
    names = layer_names(L)
    dhnext = [np.zeros((B, H)) for _ in range(L)]
    htop = cache.h[-1]
    last = 1 if "skip_t0" in flags else 0
    for t in range(T - 1, last - 1, -1):
        _add_term(g["Why"], dy[t].T @ htop[t], "dWhy_last" in flags)    # dWhy += dy hᵀ, (V, H)
        _add_term(g["by"], dy[t].sum(axis=0), "dby_last" in flags)      # dby += dy
        dtop = dy[t] @ params["Why"]                                    # Whyᵀ dy, (B, H)
        for l in range(L - 1, -1, -1):
            wxh, whh, bh = names[l]
            h_t, hraw_t = cache.h[l, t], cache.hraw[l, t]
            h_prev = cache.h[l, t - 1] if t > 0 else cache.h0[l]
            dh = dtop if "no_dhnext" in flags else dtop + dhnext[l]
            if clip is not None and clip[0] == "dh":
                dh = np.clip(dh, -clip[1], clip[1])
            dhraw = _deriv(spec, flags, h_t, hraw_t) * dh
            _add_term(g[bh], dhraw.sum(axis=0), "dbh_last" in flags)    # dbh += dhraw
            if "dWxh_last" in flags:
                g[wxh][...] = 0.0                                       # dWxh = this t's term alone
            if l == 0 and spec.index_input:
                np.add.at(g[wxh].T, cache.x[t], dhraw)                  # column x_t += dhraw
            else:
                x_t = cache.x[t] if l == 0 else cache.h[l - 1, t]
                g[wxh] += dhraw.T @ x_t
            if t > 0 or "dWhh_no_t0" not in flags:
                _add_term(g[whh], dhraw.T @ (h_t if "dWhh_ht" in flags else h_prev), "dWhh_last" in flags)
            if "dhnext_stale" not in flags:
                dhnext[l] = dhraw @ (params[whh].T if "dhnext_Whh" in flags else params[whh])
                if clip is not None and clip[0] == "dhnext":
                    dhnext[l] = np.clip(dhnext[l], -clip[1], clip[1])
            steps["dy"][l, t] = dy[t]
            steps["dh"][l, t] = dh
            steps["dhraw"][l, t] = dhraw
            steps["dhnext"][l, t] = dhnext[l]
            if l > 0:
                dtop = dhraw @ params[wxh]                              # to the layer below
        if clip is not None and clip[0] == "sums":
            for v in g.values():
                np.clip(v, -clip[1], clip[1], out=v)
    return Variant(frozenset(flags), cache, g, steps)


# ---- transformations after the loop: clipping and scaling ------------------------------


def _flat(d: dict[str, np.ndarray]) -> np.ndarray:
    return np.concatenate([np.ravel(v) for v in d.values()])


def clip_value_fit(yours: dict, ref: dict, close) -> float | None:
    """The threshold c if ``yours`` is ``ref`` clipped to ``[-c, c]`` entry by entry
    (and the clip actually cut something), else None."""
    c = max(float(np.max(np.abs(v))) for v in yours.values())
    if not np.isfinite(c) or c <= 0:
        return None
    if not any(np.any(np.abs(ref[k]) > c * (1 + 1e-6)) for k in ref):
        return None
    clipped = {k: np.clip(ref[k], -c, c) for k in ref}
    return c if close(yours, clipped) else None


def scale_fit(yours: dict, ref: dict, close) -> float | None:
    """The factor s if ``yours`` is ``s · ref`` for one s that is not 1, else None."""
    u, r = _flat(yours), _flat(ref)
    rr = float(r @ r)
    if rr == 0 or not np.all(np.isfinite(u)):
        return None
    s = float(u @ r) / rr
    if not np.isfinite(s) or abs(s - 1) < 1e-6 or s == 0:
        return None
    return s if close(yours, {k: s * v for k, v in ref.items()}) else None


def norm(d: dict) -> float:
    return float(np.sqrt(sum(float(np.sum(v * v)) for v in d.values())))
