"""A vanilla RNN in plain NumPy: forward pass with a full cache, and BPTT as a stepper.

Dimensions used throughout:

    B batch, T time, H hidden units, L layers,
    D input width (V for index inputs), V output width.

Parameters follow min-char-rnn's names.  For one layer they are ``Wxh (H, D)``,
``Whh (H, H)``, ``bh (H,)``, ``Why (V, H)``, ``by (V,)``.  With ``L > 1`` the
recurrent ones carry the layer number: ``Wxh0, Whh0, bh0, Wxh1, ...``.  A network
made without biases (``Spec.bias`` False, as in the subtraction tutorial) has no
``bh`` and ``by`` at all.

The cell is ``h_t = f(Wxh x_t + Whh h_{t-1} + bh)`` with ``f`` tanh or sigmoid.
Arrays are time-major and batch-rowed: ``h`` is ``(T, B, H)`` and one timestep's
state is a ``(B, H)`` block, so ``Whh h_{t-1}`` is written ``h_{t-1} @ Whh.T``.

Backward is :class:`BPTT`: each :meth:`BPTT.step` processes one timestep, from
``T-1`` down to ``0``, and keeps every intermediate value of that timestep on the
object.  :func:`backward` is nothing but a loop over it, so training and the
step-through view run the same lines.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from rnn_tui.core.cells import CELLS
from rnn_tui.core.losses import HEADS

ACTIVATIONS = ("tanh", "sigmoid")


@functools.lru_cache(maxsize=None)
def layer_names(layers: int) -> tuple[tuple[str, str, str], ...]:
    """Names of ``(Wxh, Whh, bh)`` for each layer."""
    if layers == 1:
        return (("Wxh", "Whh", "bh"),)
    return tuple((f"Wxh{l}", f"Whh{l}", f"bh{l}") for l in range(layers))


@dataclass(frozen=True)
class Spec:
    """Shape and kind of a network; everything needed to build or check params.

    Attributes:
        input_size: D, the width of x_t (for index inputs, the vocabulary size).
        hidden_size: H.
        output_size: V.
        layers: L, stacked recurrent layers.
        activation: ``"tanh"`` or ``"sigmoid"``.
        head: output head name, a key of :data:`core.losses.HEADS`.
        index_input: True when x_t is a symbol index (one-hot never built).
        dtype: ``"float64"`` or ``"float32"``.
        cell: the recurrent cell, a key of :data:`core.cells.CELLS`.
        bias: whether the network has the biases ``bh`` and ``by``.
    """

    input_size: int
    hidden_size: int
    output_size: int
    layers: int = 1
    activation: str = "tanh"
    head: str = "softmax_ce"
    index_input: bool = True
    dtype: str = "float64"
    cell: str = "rnn"
    bias: bool = True

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Parameter name -> shape, in a fixed order."""
        H, V = self.hidden_size, self.output_size
        out: dict[str, tuple[int, ...]] = {}
        for l, (wxh, whh, bh) in enumerate(layer_names(self.layers)):
            D = self.input_size if l == 0 else H
            out[wxh] = (H, D)
            out[whh] = (H, H)
            if self.bias:
                out[bh] = (H,)
        out["Why"] = (V, H)
        if self.bias:
            out["by"] = (V,)
        return out


def init_params(spec: Spec, rng: np.random.Generator, init: str = "normal",
                scale: float = 0.01) -> dict[str, np.ndarray]:
    """Random weights and zero biases (when the network has any).

    ``init="normal"`` draws ``randn * scale`` (min-char-rnn, scale 0.01);
    ``init="uniform"`` draws from ``[-scale, scale)`` (the subtraction tutorial, 0.05).
    """
    params = flat_dict(spec.shapes(), spec.dtype)
    for name, w in params.items():
        if name.startswith("b"):
            w[...] = 0.0
        elif init == "normal":
            w[...] = rng.standard_normal(w.shape) * scale
        elif init == "uniform":
            w[...] = (2.0 * rng.random(w.shape) - 1.0) * scale
        else:
            raise ValueError(f"unknown init {init!r}")
    return params


def flat_dict(shapes: dict[str, tuple[int, ...]], dtype, fill: float | None = 0.0) -> dict[str, np.ndarray]:
    """Arrays of the given shapes, all views into one contiguous buffer (in order).

    One buffer lets optimizers and clipping touch every parameter with a single
    NumPy call; :func:`flat_of` gets the buffer back.
    """
    layout, o = [], 0
    for name, sh in shapes.items():
        n = math.prod(sh)
        layout.append((name, o, o + n, tuple(sh)))
        o += n
    buf = aligned_empty(o, dtype)
    if fill == 0.0:
        buf[...] = 0.0
    return _views(buf, layout)


ALIGN = 64      # bytes: a cache line, and the widest SIMD load


def aligned_empty(n: int, dtype) -> np.ndarray:
    """An uninitialised 1-D array whose data starts on an ``ALIGN``-byte boundary.

    Where malloc puts a buffer, or where unpickling leaves it, varies; aligned data
    keeps SIMD and BLAS loads from straddling cache lines wherever it landed, so
    the speed of a run does not depend on that.
    """
    dtype = np.dtype(dtype)
    raw = np.empty(n * dtype.itemsize + ALIGN, dtype=np.uint8)
    skip = -raw.__array_interface__["data"][0] % ALIGN
    return raw[skip:skip + n * dtype.itemsize].view(dtype)


class FlatDict(dict):
    """A dict of arrays that are views into one buffer, kept as ``.flat``.

    ``layout`` lists ``(name, start, end, shape)`` of each view, in order.  Pickling
    keeps the sharing: the buffer travels once and the views are rebuilt on it
    (a plain dict of views would arrive as unrelated copies).
    """

    flat: np.ndarray | None = None
    layout: tuple = ()

    def __reduce__(self):
        if self.flat is None:
            return (FlatDict, (dict(self),))
        return (_rebuild_flat, (self.flat, list(self.layout)))

    def offset(self, name: str) -> int:
        """Where ``self[name]`` starts in ``self.flat``."""
        return next(o for k, o, _, _ in self.layout if k == name)


def _rebuild_flat(buf: np.ndarray, layout: list) -> FlatDict:
    canonical = np.dtype(buf.dtype.str)
    if buf.__array_interface__["data"][0] % ALIGN or buf.dtype is not canonical:
        # Unpickled: the data sits in the pickle's bytes at whatever alignment, and the
        # dtype is an equal copy rather than NumPy's own float64 object, which sends
        # ufunc.at (dWxh's scatter) down a slow generic loop, ~10x slower.
        aligned = aligned_empty(buf.size, canonical)
        aligned[...] = buf
        buf = aligned
    return _views(buf, layout)


def _views(buf: np.ndarray, layout) -> FlatDict:
    """A :class:`FlatDict` of ``layout``'s views into ``buf``."""
    out = FlatDict()
    for k, start, end, shape in layout:
        out[k] = buf[start:end].reshape(shape)
    out.flat = buf
    out.layout = tuple(layout)
    return out


def flat_of(arrays: dict[str, np.ndarray]) -> np.ndarray | None:
    """The single buffer behind ``arrays`` if :func:`flat_dict` made them, else None."""
    return getattr(arrays, "flat", None)


def empty_like_flat(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Uninitialised arrays shaped like ``arrays``, views into one new buffer."""
    if flat_of(arrays) is None:
        return flat_dict({k: v.shape for k, v in arrays.items()}, next(iter(arrays.values())).dtype, fill=None)
    return _views(aligned_empty(arrays.flat.size, arrays.flat.dtype), arrays.layout)


def make_cell(spec: Spec):
    """The cell object of ``spec`` (see :mod:`core.cells`)."""
    return CELLS[spec.cell](spec.activation)


@dataclass
class Cache:
    """Every per-timestep value of one forward pass.

    Attributes:
        x: inputs, ``(T, B)`` indices or ``(T, B, D)`` floats.
        y: targets, ``(T, B)`` indices or ``(T, B, V)`` floats.
        mask: ``(T,)`` weights of each timestep in the loss (1 or 0).
        h0: initial state per layer, ``(L, B, H)``.
        hraw: pre-activations per layer, ``(L, T, B, H)``.
        h: hidden states per layer, ``(L, T, B, H)``.
        logits: ``(T, B, V)``.
        probs: output of the head (softmax or sigmoid or identity), ``(T, B, V)``.
        step_loss: loss at each timestep, summed over nothing but averaged over B, ``(T,)``.
        loss: total loss (sum over time, mean over batch).
        hfull: ``(L, T + 1, B, H)``, ``h0`` followed by ``h``; ``h`` and ``h0`` are
            views into it.  None when a cache is built by hand.
    """

    x: np.ndarray
    y: np.ndarray
    mask: np.ndarray
    h0: np.ndarray
    hraw: np.ndarray
    h: np.ndarray
    logits: np.ndarray
    probs: np.ndarray
    step_loss: np.ndarray
    loss: float
    hfull: np.ndarray | None = None

    @property
    def hlast(self) -> np.ndarray:
        """Final state per layer, ``(L, B, H)``: the next window's ``hprev``."""
        return self.h[:, -1]


class Workspace:
    """Every array one iteration writes, for one ``(spec, T, B)``: allocated once and
    reused by every iteration that is given it.

    :func:`forward` and :class:`BPTT` write into a workspace when they are handed one
    (the trainer keeps two and alternates, so the last iteration's arrays stay intact
    for the views while the next one runs); without one each call makes its own, so
    results never alias.  The loops walk per-timestep rows, and those views are built
    here once: ``a[t]`` on a 4-D array costs about as much as the small ufunc using it.
    """

    def __init__(self, spec: Spec, T: int, B: int):
        L, H, V = spec.layers, spec.hidden_size, spec.output_size
        self.spec, self.T, self.B = spec, T, B
        self.dtype = dt = np.dtype(spec.dtype)
        self.cell = make_cell(spec)
        self.hraw = np.empty((L, T, B, H), dt)
        # h_{-1} .. h_{T-1} in one array: BPTT then pairs every dhraw_t with h_{t-1}
        # in a single matrix product, the carried-in state included
        self.hfull = np.empty((L, T + 1, B, H), dt)
        self.logits = np.empty((T, B, V), dt)
        self.probs = np.empty((T, B, V), dt)
        self.tmp = np.empty((B, H), dt)
        row = self.row
        self.tmp_row = row(self.tmp)
        self.ones = np.ones(T, dt)                               # the mask when none is given
        self.ones.setflags(write=False)
        self.hraw_rows = [a.reshape(T * B, H) for a in self.hraw]   # [l]: hraw, (T B, H)
        self.htop_rows = self.hfull[-1, 1:].reshape(T * B, H)   # the top layer's h, (T B, H)
        self.logit_rows = self.logits.reshape(T * B, V)
        self.hraw_t = [list(row(a)) for a in self.hraw]          # [l][t]: hraw_t, (B, H) (see row)
        self.hprev_t = [list(row(h[:-1])) for h in self.hfull]   # [l][t]: h_{t-1}
        self.h_t = [list(row(h[1:])) for h in self.hfull]        # [l][t]: h_t
        self.grads = None                                        # BPTT's arrays, made on first use

    def row(self, a: np.ndarray) -> np.ndarray:
        """``a``'s ``(B, H)`` blocks as the loops use them: at B = 1 plain ``(H,)``
        vectors, on which each of the loops' small calls costs less (same values,
        same rounding)."""
        return a[..., 0, :] if self.B == 1 else a

    def backward_arrays(self, params: dict[str, np.ndarray]) -> "Workspace":
        """Make BPTT's arrays (once) and return the workspace."""
        if self.grads is None:
            L, T, B, H = self.hraw.shape
            dt = self.dtype
            self.dy = np.empty_like(self.probs)                  # (T, B, V)
            self.dh = np.empty((L, T, B, H), dt)
            self.dhraw = np.empty((L, T, B, H), dt)
            self.dact = np.empty((L, T, B, H), dt)
            self.dx = np.empty((L, T, B, H), dt) if L > 1 else None
            self.dhnext = np.empty((L, B, H), dt)
            self.dhnext_l = list(self.dhnext)                    # [l]: layer l's dhnext, (B, H)
            self.dy_rows = self.dy.reshape(T * B, -1)            # (T B, V)
            self.dhtop_rows = self.dh[-1].reshape(T * B, H)      # the top layer's dh, (T B, H)
            self.ones_rows = np.ones(T * B, dt)                  # Σ over rows as one product
            self.grads = empty_like_flat(params)
            # per timestep, per layer (top first): the rows one BPTT step reads and
            # writes — (layer, dh_t, dhraw_t, f'(h_t), dx_t from above or None, dx_t out or None)
            self.bptt_rows = [[(l, self.dh[l, t], self.dhraw[l, t], self.dact[l, t],
                                self.dx[l + 1, t] if l < L - 1 else None, self.dx[l, t] if l > 0 else None)
                               for l in range(L - 1, -1, -1)] for t in range(T)]
            # one layer: its rows latest first, so n timesteps from t are a slice
            row = self.row
            self.bptt_back = (list(row(self.dact[0, ::-1])), list(row(self.dh[0, ::-1])),
                              list(row(self.dhraw[0, ::-1])))
        return self


def forward(spec: Spec, params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray,
            hprev: np.ndarray, mask: np.ndarray | None = None, work: Workspace | None = None) -> Cache:
    """Run the network over a whole sequence and keep every intermediate value.

    Args:
        x: ``(T, B)`` int indices when ``spec.index_input`` else ``(T, B, D)``.
        y: targets as the head expects them.
        hprev: ``(L, B, H)`` state carried in.
        mask: optional ``(T,)`` weights of each timestep in the loss.
        work: where to write (see :class:`Workspace`); a new one if None.
    """
    T, B = x.shape[0], x.shape[1]
    L = spec.layers
    w = work if work is not None else Workspace(spec, T, B)
    mask = w.ones if mask is None else np.asarray(mask, dtype=w.dtype)
    hfull, tmp = w.hfull, w.tmp_row
    hfull[:, 0] = hprev
    inp = x
    for l, (wxh, whh, bh) in enumerate(layer_names(L)):
        index = l == 0 and spec.index_input
        w.cell.inputs(params[wxh], params.get(bh), inp.reshape(T * B) if index else inp.reshape(T * B, -1),
                      index, out=w.hraw_rows[l])                 # Wxh x_t + bh, all t at once
        WhhT = params[whh].T
        if B >= 8:
            WhhT = np.ascontiguousarray(WhhT)   # BLAS runs h @ Whhᵀ ~2x faster on a C-ordered copy
        # The recurrence is the only sequential part: one cell step per timestep,
        # on rows of preallocated arrays (this loop is the hot path).
        w.cell.run(w.hraw_t[l], w.hprev_t[l], w.h_t[l], WhhT, tmp)
        inp = hfull[l, 1:]
    h = hfull[:, 1:]                                            # (L, T, B, H)
    logits = w.logits
    np.dot(w.htop_rows, params["Why"].T, out=w.logit_rows)     # np.dot: a cheaper call than matmul
    if spec.bias:
        logits += params["by"]                                  # (T, B, V)
    probs, step_loss = HEADS[spec.head].forward(logits, y, mask, out=w.probs)
    return Cache(x=x, y=y, mask=mask, h0=hfull[:, 0], hraw=w.hraw, h=h,
                 logits=logits, probs=probs, step_loss=step_loss,
                 loss=float(step_loss.sum()), hfull=hfull)


class BPTT:
    """Backpropagation through time, one timestep per :meth:`step`.

    The output layer has no recurrence, so when the stepper is made it computes,
    for all timesteps at once, ``dy`` (the head's delta), ``dWhy``, ``dby`` and
    ``dh_out = Whyᵀ dy`` (written straight into the top layer's ``dh``), and ``f'``
    of every hidden state.  Each :meth:`step` then handles timestep ``t`` for every
    layer, top to bottom::

        dh_t     = dh_out_t (or the layer above's dx_t) + dhnext
        dhraw_t  = f'(h_t) ⊙ dh_t
        dhnext   = Whhᵀ dhraw_t          (carried to t − 1)
        dx_t     = Wxhᵀ dhraw_t          (passed down to the layer below)

    and keeps ``dh_t`` and ``dhraw_t`` of every timestep.  The weight gradients are
    sums over timesteps of ``dhraw_t`` times what fed the cell::

        dbh  = Σ dhraw_t      dWxh = Σ dhraw_t x_tᵀ      dWhh = Σ dhraw_t h_{t-1}ᵀ

    :meth:`sums_so_far` evaluates them over the timesteps processed so far (the
    running sums the step-through shows); when the last step is done the very same
    function fills :attr:`grads` over all timesteps — one matrix product per weight
    instead of one per timestep.

    After a step, ``t`` is the timestep just processed and ``dy_t``, ``dh_t``,
    ``dhraw_t``, ``dhnext`` and ``dx_t`` (lists over layers) hold exactly the values
    that step used or produced; ``dh_norm[l, t]`` is ‖dh_t‖ of layer ``l``.

    ``work``: the :class:`Workspace` to write into (the one ``cache`` was written in,
    when the trainer runs it); a new one if None.
    """

    def __init__(self, spec: Spec, params: dict[str, np.ndarray], cache: Cache, work: Workspace | None = None):
        self.spec, self.params, self.cache = spec, params, cache
        L, T, B, H = cache.h.shape
        self.T, self.B, self.H = T, B, H
        self.names = layer_names(spec.layers)
        self.work = w = (work if work is not None else Workspace(spec, T, B)).backward_arrays(params)
        self.grads = w.grads
        self.dy = HEADS[spec.head].backward(cache.probs, cache.logits, cache.y, cache.mask, out=w.dy)  # (T, B, V)
        htop = cache.h[-1].reshape(T * B, H) if cache.hfull is not w.hfull else w.htop_rows
        dy2 = w.dy_rows if self.dy is w.dy else self.dy.reshape(T * B, -1)
        np.dot(dy2.T, htop, out=self.grads["Why"])               # (V, H)
        if spec.bias:
            np.dot(w.ones_rows, dy2, out=self.grads["by"])       # Σ over t and b
        self.dh, self.dhraw, self.dx = w.dh, w.dhraw, w.dx       # (L, T, B, H) each
        np.dot(dy2, params["Why"], out=w.dhtop_rows)             # dh_out = Whyᵀ dy, every t
        self.cell = w.cell
        self.dact = self.cell.grad(cache.h, out=w.dact)          # f'(h_t), (L, T, B, H)
        w.dhnext[...] = 0.0                                      # nothing from beyond the window
        self.dhnext = w.dhnext_l                                 # per layer, (B, H)
        self._whh = [params[whh] for _, whh, _ in self.names]
        self._wxh = [params[wxh] for wxh, _, _ in self.names]
        self.next_t = T - 1
        self.t: int | None = None

    @property
    def done(self) -> bool:
        """True once timestep 0 has been processed."""
        return self.next_t < 0

    def step(self, n: int = 1) -> int:
        """Process the next ``n`` timesteps (going backward), one at a time, and
        return the last one processed.  ``step()`` is what the step-through calls;
        :func:`backward` calls ``step(T)``, the same loop run to the end."""
        first = self.next_t
        if first < 0:
            raise RuntimeError("BPTT already reached t = 0")
        last = max(first - n + 1, 0)
        if self.spec.layers == 1:
            # the same lines (see RNNCell.backward_run), timesteps first … last in one call
            a, b = self.T - 1 - first, self.T - last
            w = self.work
            dact, dh, dhraw = w.bptt_back
            self.cell.backward_run(dact[a:b], dh[a:b], dhraw[a:b], self._whh[0], w.row(self.dhnext[0]))
            return self._stepped(last)
        rows, step, dhnext, whh, wxh = self.work.bptt_rows, self.cell.backward_step, self.dhnext, self._whh, self._wxh
        for t in range(first, last - 1, -1):
            for l, dh, dhraw, dact, dx_above, dx in rows[t]:     # top layer first
                if dx_above is None:
                    dh += dhnext[l]                              # dh_t = dh_out_t (already there) + dhnext
                else:
                    np.add(dx_above, dhnext[l], out=dh)          # dh_t = dx_t from above + dhnext
                # dhraw_t = f'(h_t) ⊙ dh_t;  dhnext = Whhᵀ dhraw_t
                step(dact, dh, whh[l], dhraw, dhnext[l])
                if dx is not None:
                    np.dot(dhraw, wxh[l], out=dx)                # dx_t, to the layer below
        return self._stepped(last)

    def _stepped(self, t: int) -> int:
        """Timesteps down to ``t`` are done: at 0, the weight gradients too."""
        self.t = t
        self.next_t = t - 1
        if t == 0:
            self._weight_grads(0, self.grads)
        return t

    # ---- what the step-through shows (views, nothing recomputed) -------------------

    @property
    def dy_t(self) -> np.ndarray | None:
        """The head's delta at the timestep just processed, ``(B, V)``."""
        return None if self.t is None else self.dy[self.t]

    @property
    def dh_t(self) -> list:
        return [None if self.t is None else self.dh[l, self.t] for l in range(self.spec.layers)]

    @property
    def dhraw_t(self) -> list:
        return [None if self.t is None else self.dhraw[l, self.t] for l in range(self.spec.layers)]

    @property
    def dx_t(self) -> list:
        """Gradient passed from layer ``l`` down to layer ``l - 1`` (None for layer 0)."""
        return [None if self.t is None or l == 0 else self.dx[l, self.t] for l in range(self.spec.layers)]

    @property
    def dh_norm(self) -> np.ndarray:
        """‖dh_t‖ per layer and timestep, ``(L, T)``; NaN where not processed yet."""
        out = np.full((self.spec.layers, self.T), np.nan)
        t0 = self.next_t + 1
        if t0 < self.T:
            d = self.dh[:, t0:]
            out[:, t0:] = np.sqrt(np.einsum("ltbh,ltbh->lt", d, d))
        return out

    def sums_so_far(self) -> dict[str, np.ndarray]:
        """The gradient sums over the timesteps processed so far (a fresh dict)."""
        out = {k: np.zeros_like(v) for k, v in self.grads.items()}
        out["Why"][...] = self.grads["Why"]
        if "by" in out:
            out["by"][...] = self.grads["by"]
        if self.next_t + 1 < self.T:
            self._weight_grads(self.next_t + 1, out)
        return out

    def _weight_grads(self, t0: int, g: dict[str, np.ndarray]) -> None:
        """``dWxh, dWhh, dbh`` of every layer summed over timesteps ``t0 … T-1``."""
        c, H, T = self.cache, self.H, self.T
        hfull = c.hfull if c.hfull is not None else np.concatenate([c.h0[:, None], c.h], axis=1)
        for l, (wxh, whh, bh) in enumerate(self.names):
            dr2 = self.dhraw[l, t0:].reshape(-1, H)               # (T' B, H)
            if bh in g:
                np.dot(self.work.ones_rows[:dr2.shape[0]], dr2, out=g[bh])   # Σ dhraw_t
            # dWhh = Σ dhraw_t h_{t-1}ᵀ; hfull[l, t] is h_{t-1}, h0 at t = 0
            np.dot(dr2.T, hfull[l, t0:T].reshape(-1, H), out=g[whh])
            if l == 0 and self.spec.index_input:
                # dWxh = Σ dhraw_t onehot(x_t)ᵀ: add each row of dhraw into column x_t
                _scatter_columns(g[wxh], c.x[t0:].reshape(-1), dr2)
            else:
                x = c.x[t0:] if l == 0 else hfull[l - 1, t0 + 1:]
                np.dot(dr2.T, x.reshape(dr2.shape[0], -1), out=g[wxh])


def _scatter_columns(gw: np.ndarray, ix: np.ndarray, rows: np.ndarray) -> None:
    """``gw[:, ix[n]] += rows[n]`` for every n, into a zeroed ``gw (H, V)``.

    Repeated indices add up.  A few rows over a small vocabulary are one product
    with their one-hot rows; a few rows over a large one go through one unbuffered
    ``add.at``; more are sorted so that each column is summed once with ``reduceat``.
    """
    H, V = gw.shape
    if len(ix) <= 64 and V <= 256:
        onehot = np.zeros((len(ix), V), rows.dtype)             # (N, V)
        onehot[np.arange(len(ix)), ix] = 1.0
        np.dot(rows.T, onehot, out=gw)                          # (H, N) @ (N, V): BLAS, no scatter
        return
    gw[...] = 0.0
    if len(ix) <= 64:
        flat_ix = (np.arange(H) * V + ix[:, None]).ravel()
        np.add.at(gw.reshape(-1), flat_ix, rows.ravel())
        return
    # a stable sort of 16-bit keys is a radix sort, twice as fast as sorting intp
    order = np.argsort(ix.astype(np.uint16) if V <= 1 << 16 else ix, kind="stable")
    six = ix[order]
    starts = np.flatnonzero(np.concatenate(([True], six[1:] != six[:-1])))
    gw.T[six[starts]] = np.add.reduceat(np.take(rows, order, axis=0), starts, axis=0)


def backward(spec: Spec, params: dict[str, np.ndarray], cache: Cache) -> BPTT:
    """Full BPTT: the stepper run to the end.  Returns it; ``.grads`` are the gradients."""
    bptt = BPTT(spec, params, cache)
    bptt.step(bptt.T)
    return bptt


def loss_and_grads(spec: Spec, params: dict[str, np.ndarray], x, y, hprev, mask=None):
    """Convenience: forward then full backward; returns ``(loss, grads, cache)``."""
    cache = forward(spec, params, x, y, hprev, mask)
    return cache.loss, backward(spec, params, cache).grads, cache


def forward_terms(spec: Spec, params: dict[str, np.ndarray], cache: Cache, t: int,
                  layer: int = 0, b: int = 0) -> dict[str, np.ndarray]:
    """The pieces of ``hraw_t = Wxh x_t + Whh h_{t-1} + bh`` for one example.

    :func:`forward` computes the input term for all timesteps at once; this
    evaluates each term on its own for the forward step-through, from the same
    weights and the same cached inputs and states.  ``hraw`` and ``h`` are the
    cached values themselves, so the screen shows what training used.
    """
    wxh, whh, bh = layer_names(spec.layers)[layer]
    index = layer == 0 and spec.index_input
    x_t = cache.x[t, b] if layer == 0 else cache.h[layer - 1, t, b]
    cell = make_cell(spec)
    xterm = cell.inputs(params[wxh], None, np.reshape(x_t, (1,) if index else (1, -1)), index)[0]  # Wxh x_t
    h_prev = cache.h[layer, t - 1, b] if t > 0 else cache.h0[layer, b]
    hterm = cell.recurrent(h_prev, params[whh].T)                           # Whh h_{t-1}
    bias = params[bh] if bh in params else np.zeros_like(hterm)
    return {"xterm": np.array(xterm), "hterm": np.array(hterm), "bh": np.array(bias),
            "hraw": np.array(cache.hraw[layer, t, b]), "h": np.array(cache.h[layer, t, b]),
            "h_prev": np.array(h_prev)}
