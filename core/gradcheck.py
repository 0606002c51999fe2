"""Numerical gradient check: centred differences in float64 on the unclipped loss.

The difference is the five-point centred stencil
``(−L(w+2δ) + 8 L(w+δ) − 8 L(w−δ) + L(w−2δ)) / 12δ`` with ``δ = 1e-3``: its error is
O(δ⁴), so even entries with gradients near 1e-4 check to ~1e-9 relative error,
where the two-point ``(L(w+δ) − L(w−δ)) / 2δ`` stalls near 1e-7.

min-char-rnn's own ``gradCheck`` compares against gradients that ``lossFun`` has
already clipped to ±5 and so reports failures that are not there.  Here the
analytic gradient is the raw output of :func:`core.model.backward`.

Relative error per entry: ``|a − n| / max(|a| + |n|, floor)``.  The stencil's
round-off is about ``r = eps · max(1, |L|) / δ``; ``floor = r / 1e-8`` is the size
below which that round-off alone would already read as 1e-8 relative error (2e-5
for a loss near 1).  Without a floor, entries with gradients near 1e-7 — or exactly
0, like the ``Wxh`` column of a symbol absent from the example — report round-off
as relative error.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from rnn_tui.core.model import Spec, backward, forward


OFFSETS = (2, 1, -1, -2)
"""Where the stencil evaluates the loss, in steps of ``delta``."""


def five_point(f: list[float], delta: float) -> float:
    """The centred five-point difference from the losses at :data:`OFFSETS` × ``delta``."""
    return (-f[0] + 8 * f[1] - 8 * f[2] + f[3]) / (12 * delta)


def roundoff_floor(loss: float, delta: float) -> float:
    """The gradient size below which the stencil's round-off alone reads as 1e-8 relative error."""
    roundoff = np.finfo(np.float64).eps * max(1.0, abs(loss)) / delta
    return roundoff / 1e-8


@dataclass(frozen=True)
class CheckResult:
    """Outcome for one parameter."""

    name: str
    shape: tuple
    checked: int
    max_rel: float
    median_rel: float
    nonzero: int = 0
    """Checked entries whose analytic gradient is above the round-off floor (the
    rest are zeros, which agree trivially unless BPTT misses a gradient)."""

    def passed(self, tol: float = 1e-7) -> bool:
        return self.max_rel <= tol


def gradcheck(spec: Spec, params: dict[str, np.ndarray], x, y, hprev, mask=None,
              entries: int | None = 20, rng: np.random.Generator | None = None,
              delta: float = 1e-3, grad_fn=None, progress=None) -> list[CheckResult]:
    """Compare analytic and numerical gradients for every parameter.

    Args:
        entries: entries checked per parameter (random, without replacement);
            ``None`` checks all of them.
        grad_fn: ``(spec, params, cache) -> grads``; defaults to the real BPTT.
            Tests pass a deliberately wrong one to see the check fail.
        progress: optional callable ``(done, total)`` called after each entry.
    """
    spec64 = dataclasses.replace(spec, dtype="float64")
    p64 = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    x = x if spec.index_input else np.asarray(x, dtype=np.float64)
    y = np.asarray(y) if spec.head == "softmax_ce" else np.asarray(y, dtype=np.float64)
    h0 = np.asarray(hprev, dtype=np.float64)
    rng = rng or np.random.default_rng(0)
    grad_fn = grad_fn or (lambda s, p, c: backward(s, p, c).grads)
    cache = forward(spec64, p64, x, y, h0, mask)
    grads = grad_fn(spec64, p64, cache)
    # Round-off of the stencil for a loss this size, and the gradient size below
    # which that round-off alone would exceed 1e-8 relative error.
    floor = roundoff_floor(cache.loss, delta)
    plan = [(k, _entries(p.size, grads[k], floor, entries, rng)) for k, p in p64.items()]
    total, done = sum(len(ix) for _, ix in plan), 0
    results = []
    for k, idx in plan:
        p, g = p64[k].reshape(-1), grads[k].reshape(-1)
        errs = []
        for i in idx:
            old = p[i]
            f = []
            for k_off in OFFSETS:
                p[i] = old + k_off * delta
                f.append(forward(spec64, p64, x, y, h0, mask).loss)
            p[i] = old
            num = five_point(f, delta)
            errs.append(abs(g[i] - num) / max(abs(g[i]) + abs(num), floor))
            done += 1
            if progress:
                progress(done, total)
        errs = np.array(errs)
        nonzero = int(np.count_nonzero(np.abs(g[idx]) >= floor))
        results.append(CheckResult(k, tuple(params[k].shape), len(errs), float(errs.max()),
                                   float(np.median(errs)), nonzero))
    return results


def _entries(size: int, grad: np.ndarray, floor: float, entries: int | None, rng) -> np.ndarray:
    """Which entries of a parameter to check: all of them, or ``entries`` of them,
    mostly ones that carry a gradient.

    A Wxh column of a symbol absent from the example is exactly 0 on both sides and
    would pass without testing anything.  A quarter (at least one) still comes from
    the zeros, where a gradient BPTT failed to produce would show.
    """
    n = size if entries is None or entries >= size else entries
    if n == size:
        return np.arange(size)
    live = np.abs(grad.reshape(-1)) >= floor
    on, off = np.flatnonzero(live), np.flatnonzero(~live)
    n_off = min(len(off), max(1, n // 4)) if len(off) else 0
    n_on = min(len(on), n - n_off)
    n_off = min(len(off), n - n_on)
    return np.concatenate([rng.choice(on, size=n_on, replace=False),
                           rng.choice(off, size=n_off, replace=False)])
