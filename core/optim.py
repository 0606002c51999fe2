"""Gradient clipping and optimizers.  They live outside the model: nothing here is
called by forward or backward, so a gradient check never moves a weight.

Optimizer state is a dict keyed by ``"{slot}/{param}"`` (``"m/Why"``), plain
arrays, so checkpoints can save it as they are.  Every update is in place.
"""

from __future__ import annotations

import math

import numpy as np

from rnn_tui.core.model import flat_dict, flat_of

OPTIMIZERS = ("sgd", "momentum", "adagrad", "adam")
CHUNK = 65536          # elements per optimizer pass (512 KiB in float64: stays in L2)
CLIP_MODES = ("value", "norm", "none")


def clip_grads(grads: dict[str, np.ndarray], mode: str, clip: float, total: float | None = None,
               columns: dict[str, np.ndarray] | None = None) -> float:
    """Clip gradients in place and return their global norm before clipping.

    ``mode="value"`` clips each element to ``[-clip, clip]`` as the tutorials do
    (min-char-rnn ±5, the echo tutorial ±1); ``mode="norm"`` rescales all of them
    together so that the global norm is at most ``clip``; ``"none"`` leaves them.
    ``total``, if the caller already has the global norm, saves a pass.
    ``columns`` (see :meth:`Optimizer.step`) lets value clipping skip the
    columns that are known to be zero.
    """
    if total is None:
        total = math.sqrt(sum(v * v for v in grad_norms(grads, columns).values()))
    if mode == "value" and clip > 0:
        for g, cols in _segments(grads, columns):
            if cols is None:
                np.clip(g, -clip, clip, out=g)
            else:
                g[:, cols] = np.clip(g[:, cols], -clip, clip)
    elif mode == "norm" and clip > 0 and total > clip:
        scale = clip / (total + 1e-12)
        for g, _ in _segments(grads, None):
            g *= scale
    return total


def grad_total(grads: dict[str, np.ndarray], columns: dict[str, np.ndarray] | None = None) -> float:
    """The global norm of all gradients: one dot product over the shared buffer (or
    over the pieces :func:`grad_norms` would read)."""
    flat = flat_of(grads)
    if flat is not None and columns is None:
        return math.sqrt(float(np.dot(flat, flat)))
    return math.sqrt(sum(float(np.dot(v, v)) for v in (
        g.reshape(-1) if cols is None else g[:, cols].ravel() for g, cols in _segments(grads, columns))))


def clip_changes(grads: dict[str, np.ndarray], mode: str, clip: float, total: float,
                 columns: dict[str, np.ndarray] | None = None) -> bool:
    """Whether :func:`clip_grads` would change anything, found without changing it.

    No element exceeds the global norm (``|g_i| ≤ ‖g‖``, also in floating point:
    a dot product of squares never rounds below one of them), so a norm ``total``
    within ``clip`` settles it for both modes.  Otherwise value clipping changes
    something only if an element lies outside ``±clip``: a largest and a smallest
    element (two reductions) are cheaper to find than a clip is to do.
    """
    if mode == "none" or clip <= 0 or not total > clip:
        return False
    if mode == "norm":
        return True
    flat = flat_of(grads)
    if flat is not None and columns is None:                       # one buffer: two reductions
        return flat.max() > clip or flat.min() < -clip
    pieces = (g if cols is None else g[:, cols] for g, cols in _segments(grads, columns))
    return any(v.max() > clip or v.min() < -clip for v in pieces)


def grad_norms(grads: dict[str, np.ndarray], columns: dict[str, np.ndarray] | None = None) -> dict[str, float]:
    """Norm of each gradient (one dot product each); for a parameter named in
    ``columns``, only those columns are read (the others are zero)."""
    out = {}
    for k, g in grads.items():
        v = g[:, columns[k]].ravel() if columns and k in columns else g.reshape(-1)
        out[k] = math.sqrt(float(np.dot(v, v)))
    return out


def _segments(arrays: dict[str, np.ndarray], columns: dict[str, np.ndarray] | None):
    """Cover ``arrays`` with as few pieces as possible: ``(array, None)`` for a
    stretch of the shared buffer (or one array when there is none) and
    ``(array, cols)`` for a parameter of which only columns ``cols`` matter."""
    flat = flat_of(arrays)
    if flat is None:
        return [(v, columns.get(k) if columns else None) for k, v in arrays.items()]
    out, pos = [], 0
    for o, n, k in sorted((arrays.offset(k), arrays[k].size, k) for k in (columns or {})):
        if o > pos:
            out.append((flat[pos:o], None))
        out.append((arrays[k], columns[k]))
        pos = o + n
    if pos < flat.size:
        out.append((flat[pos:], None))
    return out


class Optimizer:
    """Base: holds ``lr`` and the ``state`` dict; subclasses implement :meth:`update`.

    When params and grads each live in one buffer (see :func:`core.model.flat_dict`)
    the update runs once over the whole buffer; otherwise once per parameter.  The
    arithmetic is the same either way.
    """

    slots: tuple[str, ...] = ()
    sparse_exact = True        # a zero gradient leaves param and state unchanged

    def __init__(self, lr: float, params: dict[str, np.ndarray]):
        self.lr = lr
        self.t = 0
        shapes = {k: v.shape for k, v in params.items()}
        self.slot_views = {s: flat_dict(shapes, next(iter(params.values())).dtype) for s in self.slots}
        self._flat_slots = {s: flat_of(v) for s, v in self.slot_views.items()}
        self._scratch: tuple[np.ndarray, np.ndarray] | None = None
        self._scratch_views: tuple[np.ndarray, np.ndarray] | None = None

    def __getstate__(self) -> dict:
        # scratch is remade on first use; the flat slots are found again on arrival
        return {k: v for k, v in self.__dict__.items() if k not in ("_flat_slots", "_scratch", "_scratch_views")}

    def __setstate__(self, state: dict) -> None:
        # the slot buffers are rebuilt (and realigned) by unpickling: point at those
        self.__dict__.update(state)
        self._flat_slots = {s: flat_of(v) for s, v in self.slot_views.items()}
        self._scratch = self._scratch_views = None

    @property
    def flat_state(self) -> dict[str, np.ndarray]:
        """Slot name -> the one buffer holding that slot for every parameter."""
        return dict(self._flat_slots)

    @property
    def state(self) -> dict[str, np.ndarray]:
        """``"slot/param"`` -> that parameter's slot array (a view into the slot's buffer)."""
        return {f"{s}/{k}": a for s, views in self.slot_views.items() for k, a in views.items()}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray],
             columns: dict[str, np.ndarray] | None = None) -> None:
        """Apply one update to every parameter, in place.

        ``columns`` may name, for some parameters, the only columns whose gradient
        can be non-zero (the input weights of a language model see only the
        symbols in the batch).  Optimizers for which a zero gradient changes
        nothing (:attr:`sparse_exact`) then update just those columns: the same
        result, without touching the rest of a large embedding-like matrix.
        """
        self.t += 1
        if not self.sparse_exact:
            columns = None
        flat = flat_of(params), flat_of(grads)
        if columns is None and flat[0] is not None and flat[1] is not None:
            # the usual case: every parameter in one buffer, one update over it all
            # (in cache-sized chunks: the update makes several passes, and a chunk
            # stays in L2 between them; the same arithmetic, element by element)
            p, g = flat
            if p.size <= CHUNK:
                self.update(p, g, self._flat_slots, "")
                return
            for o in range(0, p.size, CHUNK):
                part = slice(o, o + CHUNK)
                self.update(p[part], g[part], {s: a[part] for s, a in self._flat_slots.items()}, "")
            return
        arrays = [params, grads, *(self.slot_views[s] for s in self.slots)]
        if any(flat_of(a) is None for a in arrays):
            arrays = [dict(a) for a in arrays]                    # one piece per parameter
        pieces = zip(*(_segments(a, columns) for a in arrays), strict=True)
        for (p, cols), (g, _), *slot_pieces in pieces:
            states = {s: a for s, (a, _) in zip(self.slots, slot_pieces, strict=True)}
            if cols is None:
                # in cache-sized chunks: the update makes several passes, and a
                # chunk stays in L2 between them (same arithmetic, element-wise)
                for o in range(0, p.size, CHUNK):
                    part = slice(o, o + CHUNK)
                    self.update(p.reshape(-1)[part], g.reshape(-1)[part],
                                {s: a.reshape(-1)[part] for s, a in states.items()}, "")
                continue
            sub = {s: a[:, cols] for s, a in states.items()}
            psub = p[:, cols]
            self.update(psub, g[:, cols], sub, "")
            p[:, cols] = psub
            for s, a in states.items():
                a[:, cols] = sub[s]

    def scratch(self, like: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Two work arrays shaped like ``like``, carved from buffers kept between calls."""
        last = self._scratch_views
        if last is not None and last[0].shape == like.shape and last[0].dtype == like.dtype:
            return last                                           # the usual case: as last time
        n = like.size
        if self._scratch is None or self._scratch[0].size < n or self._scratch[0].dtype != like.dtype:
            self._scratch = (np.empty(n, like.dtype), np.empty(n, like.dtype))
        a, b = self._scratch
        self._scratch_views = a[:n].reshape(like.shape), b[:n].reshape(like.shape)
        return self._scratch_views

    def update(self, p: np.ndarray, g: np.ndarray, st: dict[str, np.ndarray], name: str) -> None:
        s, _ = self.scratch(g)
        np.multiply(g, self.lr, out=s)
        p -= s                                                    # plain SGD


class SGD(Optimizer):
    """``param -= lr * dparam``."""


class Momentum(Optimizer):
    """Heavy-ball momentum: ``v = mu v - lr g; param += v`` (mu = 0.9)."""

    slots = ("v",)
    sparse_exact = False       # the velocity decays everywhere
    mu = 0.9

    def update(self, p, g, st, name):
        v = st["v"]
        s, _ = self.scratch(g)
        v *= self.mu
        np.multiply(g, self.lr, out=s)
        v -= s
        p += v


class Adagrad(Optimizer):
    """min-char-rnn's update: ``mem += g*g; param += -lr * g / sqrt(mem + 1e-8)``.

    ``mem`` starts at ``EPS`` instead of 0, so that it always holds ``Σ g² + 1e-8``:
    the same sum, and the update's ``+ 1e-8`` is a pass over every weight less.
    """

    slots = ("mem",)
    EPS = 1e-8

    def __init__(self, lr: float, params: dict[str, np.ndarray]):
        super().__init__(lr, params)
        self.fold_eps()

    def fold_eps(self) -> None:
        """Add ``EPS`` to every ``mem``: at the start, and to a state saved before
        ``mem`` held it (see ``Trainer.load_state_dict``)."""
        for a in self.slot_views["mem"].values():
            a += self.EPS

    def update(self, p, g, st, name):
        mem = st["mem"]
        s, r = self.scratch(g)
        np.square(g, out=s)
        mem += s                                                  # mem += g*g (1e-8 is in it)
        np.multiply(g, -self.lr, out=s)                           # -lr * g
        np.sqrt(mem, out=r)
        s /= r                                                    # / sqrt(Σ g² + 1e-8)
        p += s


class Adam(Optimizer):
    """Adam (beta1 0.9, beta2 0.999, eps 1e-8) with bias correction."""

    slots = ("m", "v")
    sparse_exact = False       # both moments decay everywhere
    b1, b2, eps = 0.9, 0.999, 1e-8

    def update(self, p, g, st, name):
        m, v = st["m"], st["v"]
        s, r = self.scratch(g)
        m *= self.b1
        np.multiply(g, 1 - self.b1, out=s)
        m += s
        v *= self.b2
        np.multiply(g, g, out=s)
        s *= 1 - self.b2
        v += s
        np.divide(v, 1 - self.b2 ** self.t, out=r)                # vhat
        np.sqrt(r, out=r)
        r += self.eps
        np.divide(m, 1 - self.b1 ** self.t, out=s)                # mhat
        s /= r
        s *= self.lr
        p -= s


def make_optimizer(name: str, lr: float, params: dict[str, np.ndarray]) -> Optimizer:
    """Build an optimizer by name (one of :data:`OPTIMIZERS`)."""
    cls = {"sgd": SGD, "momentum": Momentum, "adagrad": Adagrad, "adam": Adam}[name]
    return cls(lr, params)
