"""What the weights say about the gradients: the figures of the weights panel.

Dimensions: H hidden units, K histogram bins, N samples kept.

The ‖dh_t‖ strip shows *that* a gradient vanishes or explodes going back in time;
``Whh`` shows *why*.  Going back one timestep multiplies ``dh`` by
``Whhᵀ diag(f'(h))``, so when the largest singular value of ``Whh`` times the
slope of the activation stays below 1, gradients shrink step after step; above 1
they can grow.  :class:`Dynamics` keeps, one sample each time it is asked (when the
panel is on screen, at the rate snapshots are taken: never per training step):

* ``σmax(Whh)`` and the spectral radius ``max |eig(Whh)|`` of the chosen layer;
* the fraction of saturated units (``f'`` near 0);
* the update-to-weight ratio ``‖Δθ‖ / ‖θ‖`` of every parameter for the last step
  (a healthy run sits near 1e-3), with ``Δθ`` rebuilt from the last gradient and
  the optimizer's state (:func:`last_update`), so nothing is copied per step;
* histograms of each parameter's weights and of its gradient, on bins that double
  their range when a value falls outside (old counts merged pairwise, so the time ×
  bins picture stays one scale, the way TensorBoard's histograms are read).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

BINS = 32          # histogram bins (a multiple of 4: a doubling merges the middle half)
KEEP = 120         # samples kept per series


def sigma_max(W: np.ndarray) -> float:
    """The largest singular value of ``W`` (its spectral norm)."""
    return float(np.linalg.norm(W, 2))


def spectral_radius(W: np.ndarray) -> float:
    """``max |λ|`` over the eigenvalues of ``W``."""
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def last_update(opt, grads: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``Δθ`` of the optimizer's last step, from the gradient it was given (clipped,
    as applied) and its state after the step — the same numbers the step added."""
    name = type(opt).__name__
    out = {}
    for k, g in grads.items():
        if name == "Adagrad":
            out[k] = -opt.lr * g / np.sqrt(opt.slot_views["mem"][k])     # mem holds Σ g² + 1e-8
        elif name == "Momentum":
            out[k] = opt.slot_views["v"][k].copy()
        elif name == "Adam":
            mhat = opt.slot_views["m"][k] / (1 - opt.b1 ** opt.t)
            vhat = opt.slot_views["v"][k] / (1 - opt.b2 ** opt.t)
            out[k] = -opt.lr * mhat / (np.sqrt(vhat) + opt.eps)
        else:                                   # plain SGD
            out[k] = -opt.lr * g
    return out


class Histogram:
    """Counts of values over time on ``BINS`` bins spanning ``[-r, r]``; ``r`` doubles
    (old rows merged pairwise into the middle half) when a value falls outside."""

    def __init__(self, bins: int = BINS, keep: int = KEEP):
        self.bins, self.r = bins, 0.0
        self.rows: deque = deque(maxlen=keep)   # (iteration, counts (bins,))

    def add(self, iteration: int, values: np.ndarray) -> None:
        v = np.asarray(values, dtype=np.float64).ravel()
        v = v[np.isfinite(v)]
        top = float(np.max(np.abs(v))) if v.size else 0.0
        if self.r == 0.0:
            self.r = 2.0 ** math.ceil(math.log2(top)) if top > 0 else 1.0
        while top > self.r:
            self._double()
        counts, _ = np.histogram(v, bins=self.bins, range=(-self.r, self.r))
        self.rows.append((iteration, counts))

    def _double(self) -> None:
        half, quarter = self.bins // 2, self.bins // 4
        for i, (it, c) in enumerate(self.rows):
            merged = np.zeros(self.bins, dtype=c.dtype)
            merged[quarter:quarter + half] = c.reshape(half, 2).sum(axis=1)
            self.rows[i] = (it, merged)
        self.r *= 2.0

    def image(self) -> tuple[np.ndarray, np.ndarray, float]:
        """``(iterations (N,), counts (N, BINS), r)``: one row per sample, oldest first."""
        if not self.rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, self.bins), dtype=np.int64), self.r
        its, counts = zip(*self.rows, strict=True)
        return np.array(its), np.stack(counts), self.r


@dataclass(frozen=True)
class DynamicsView:
    """What the weights panel shows (immutable; sent to the UI).

    Attributes:
        layer: which layer's ``Whh``; ``Whh`` its copy ``(H, H)``.
        iterations: when each sample was taken, ``(N,)``.
        sigma, radius, saturated: ``σmax(Whh)``, spectral radius and saturated fraction per sample.
        ratios: parameter -> ``‖Δθ‖/‖θ‖`` per sample.
        weights, gradients: parameter -> ``(iterations, counts (N, K), r)``.
        activation: ``"tanh"`` or ``"sigmoid"`` (its largest slope is 1 or 1/4).
    """

    layer: int
    Whh: np.ndarray
    iterations: np.ndarray
    sigma: np.ndarray
    radius: np.ndarray
    saturated: np.ndarray
    ratios: dict
    weights: dict
    gradients: dict
    activation: str

    def reading(self) -> str:
        """One line saying what to read from the figures, for the newest sample.

        Going back one timestep multiplies ``dh`` by ``Whhᵀ diag(f')``, so with the
        activation's largest slope ``max f'`` (1 for tanh, ¼ for a sigmoid):
        ``σmax·max f' < 1`` bounds every step below 1 (gradients vanish);
        ``ρ·max f' < 1`` makes many steps shrink (like ρᵏ) though a few may grow;
        otherwise ``dh`` can grow, unless saturated units (``f' ≈ 0``) hold it back.
        """
        if not len(self.sigma):
            return "no sample yet"
        slope = 1.0 if self.activation == "tanh" else 0.25     # f' at its steepest
        bound, rho, sat = self.sigma[-1] * slope, self.radius[-1] * slope, self.saturated[-1]
        if bound < 1:
            return (f"σmax(Whh)·max f' = {bound:.2f} < 1: every step back in time shrinks dh by at least "
                    "that: gradients vanish over long sequences")
        if rho < 1:
            return (f"ρ(Whh)·max f' = {rho:.2f} < 1: dh shrinks over many steps back (like ρᵏ), though "
                    f"σmax·max f' = {bound:.3g} ≥ 1 lets a few steps grow it")
        if sat > 0.5:
            return (f"ρ(Whh)·max f' = {rho:.3g} ≥ 1: dh can grow going back in time, but {sat:.0%} of units "
                    "saturate (f' ≈ 0) and damp it: read the ‖dh_t‖ strip")
        return (f"ρ(Whh)·max f' = {rho:.3g} ≥ 1: dh can grow going back in time: gradients may explode "
                "(clipping, in the settings c, keeps them finite)")


class Dynamics:
    """Samples of the weights' figures, taken by :meth:`sample` (the session calls it
    when it publishes a snapshot and the weights panel is on screen)."""

    def __init__(self, keep: int = KEEP):
        self.keep = keep
        self.reset()

    def reset(self) -> None:
        self.iterations, self.sigma, self.radius, self.saturated = (deque(maxlen=self.keep) for _ in range(4))
        self.ratios: dict[str, deque] = {}
        self.weights: dict[str, Histogram] = {}
        self.gradients: dict[str, Histogram] = {}
        self._last = -1

    def sample(self, trainer, layer: int = 0) -> None:
        """Add a sample of ``trainer`` now (nothing if it has not stepped since the last
        one).  Of weights just restored (a rollback, a load: no last step) only what the
        weights themselves give: no update ratio, no gradients."""
        from rnn_tui.core.model import layer_names

        if trainer.iteration == self._last:
            return
        self._last = trainer.iteration
        whh = trainer.params[layer_names(trainer.spec.layers)[min(layer, trainer.spec.layers - 1)][1]]
        self.iterations.append(trainer.iteration)
        self.sigma.append(sigma_max(whh))
        self.radius.append(spectral_radius(whh))
        self.saturated.append(float(trainer.metrics.get("saturated", 0.0)))
        if trainer.last is None:
            for k, w in trainer.params.items():
                self.weights.setdefault(k, Histogram(keep=self.keep)).add(trainer.iteration, w)
            return
        grads = trainer.last.bptt.grads
        for k, d in last_update(trainer.opt, grads).items():
            w = trainer.params[k]
            norm = float(np.linalg.norm(w))
            self.ratios.setdefault(k, deque(maxlen=self.keep)).append(float(np.linalg.norm(d)) / norm
                                                                       if norm > 0 else math.nan)
            self.weights.setdefault(k, Histogram(keep=self.keep)).add(trainer.iteration, w)
            self.gradients.setdefault(k, Histogram(keep=self.keep)).add(trainer.iteration, grads[k])

    def view(self, trainer, layer: int = 0) -> DynamicsView:
        from rnn_tui.core.model import layer_names

        whh = trainer.params[layer_names(trainer.spec.layers)[min(layer, trainer.spec.layers - 1)][1]]
        return DynamicsView(layer=layer, Whh=np.array(whh), iterations=np.array(self.iterations),
                            sigma=np.array(self.sigma), radius=np.array(self.radius),
                            saturated=np.array(self.saturated),
                            ratios={k: np.array(v) for k, v in self.ratios.items()},
                            weights={k: h.image() for k, h in self.weights.items()},
                            gradients={k: h.image() for k, h in self.gradients.items()},
                            activation=trainer.spec.activation)
