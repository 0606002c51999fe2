"""A vanilla RNN in plain NumPy: forward pass with a full cache, and BPTT as a stepper.

Dimensions used throughout:

    B batch, T time, H hidden units, L layers,
    D input width (V for index inputs), V output width.

Parameters follow min-char-rnn's names.  For one layer they are ``Wxh (H, D)``,
``Whh (H, H)``, ``bh (H,)``, ``Why (V, H)``, ``by (V,)``.  With ``L > 1`` the
recurrent ones carry the layer number: ``Wxh0, Whh0, bh0, Wxh1, ...``.

The cell is ``h_t = f(Wxh x_t + Whh h_{t-1} + bh)`` with ``f`` tanh or sigmoid.
Arrays are time-major and batch-rowed: ``h`` is ``(T, B, H)`` and one timestep's
state is a ``(B, H)`` block, so ``Whh h_{t-1}`` is written ``h_{t-1} @ Whh.T``.

Backward is :class:`BPTT`: each :meth:`BPTT.step` processes one timestep, from
``T-1`` down to ``0``, and keeps every intermediate value of that timestep on the
object.  :func:`backward` is nothing but a loop over it, so training and the
step-through view run the same lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.losses import HEADS, Head

ACTIVATIONS = ("tanh", "sigmoid")


def layer_names(layers: int) -> list[tuple[str, str, str]]:
    """Names of ``(Wxh, Whh, bh)`` for each layer."""
    if layers == 1:
        return [("Wxh", "Whh", "bh")]
    return [(f"Wxh{l}", f"Whh{l}", f"bh{l}") for l in range(layers)]


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
    """

    input_size: int
    hidden_size: int
    output_size: int
    layers: int = 1
    activation: str = "tanh"
    head: str = "softmax_ce"
    index_input: bool = True
    dtype: str = "float64"

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Parameter name -> shape, in a fixed order."""
        H, V = self.hidden_size, self.output_size
        out: dict[str, tuple[int, ...]] = {}
        for l, (wxh, whh, bh) in enumerate(layer_names(self.layers)):
            D = self.input_size if l == 0 else H
            out[wxh] = (H, D)
            out[whh] = (H, H)
            out[bh] = (H,)
        out["Why"] = (V, H)
        out["by"] = (V,)
        return out


def init_params(spec: Spec, rng: np.random.Generator, init: str = "normal",
                scale: float = 0.01) -> dict[str, np.ndarray]:
    """Random weights, zero biases, as the tutorials do.

    ``init="normal"`` draws ``randn * scale`` (min-char-rnn, scale 0.01);
    ``init="uniform"`` draws from ``[-scale, scale)`` (the subtraction tutorial, 0.05).
    """
    params = {}
    for name, shape in spec.shapes().items():
        if name.startswith("b"):
            w = np.zeros(shape)
        elif init == "normal":
            w = rng.standard_normal(shape) * scale
        elif init == "uniform":
            w = (2.0 * rng.random(shape) - 1.0) * scale
        else:
            raise ValueError(f"unknown init {init!r}")
        params[name] = w.astype(spec.dtype)
    return params


def _act(spec: Spec):
    return np.tanh if spec.activation == "tanh" else _sigmoid


def _sigmoid(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    # 1 / (1 + exp(-z)), written to stay finite for large |z|
    out = np.negative(z, out=out)
    np.exp(out, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


def act_grad(spec: Spec, h: np.ndarray) -> np.ndarray:
    """f'(z) written in terms of h = f(z): ``1 - h²`` for tanh, ``h (1 - h)`` for sigmoid."""
    if spec.activation == "tanh":
        return 1.0 - h * h
    return h * (1.0 - h)


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
    extra: dict = field(default_factory=dict)

    @property
    def hlast(self) -> np.ndarray:
        """Final state per layer, ``(L, B, H)``: the next window's ``hprev``."""
        return self.h[:, -1]


def forward(spec: Spec, params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray,
            hprev: np.ndarray, mask: np.ndarray | None = None) -> Cache:
    """Run the network over a whole sequence and keep every intermediate value.

    Args:
        x: ``(T, B)`` int indices when ``spec.index_input`` else ``(T, B, D)``.
        y: targets as the head expects them.
        hprev: ``(L, B, H)`` state carried in.
        mask: optional ``(T,)`` weights of each timestep in the loss.
    """
    T, B = x.shape[0], x.shape[1]
    L, H = spec.layers, spec.hidden_size
    dtype = np.dtype(spec.dtype)
    f = _act(spec)
    mask = np.ones(T, dtype=dtype) if mask is None else np.asarray(mask, dtype=dtype)
    hraw = np.empty((L, T, B, H), dtype=dtype)
    h = np.empty((L, T, B, H), dtype=dtype)
    inp = x
    for l, (wxh, whh, bh) in enumerate(layer_names(L)):
        Wxh, Whh = params[wxh], params[whh]
        a = hraw[l]                                             # (T, B, H)
        if l == 0 and spec.index_input:
            np.take(Wxh.T, inp, axis=0, out=a)                  # column gather: Wxh @ onehot
        else:
            np.matmul(inp.reshape(T * B, -1), Wxh.T, out=a.reshape(T * B, H))
        a += params[bh]
        prev = hprev[l]                                         # (B, H)
        for t in range(T):
            a[t] += prev @ Whh.T
            prev = f(a[t], out=h[l, t])
        inp = h[l]
    head: Head = HEADS[spec.head]
    logits = (h[-1].reshape(T * B, H) @ params["Why"].T).reshape(T, B, -1)
    logits += params["by"]                                      # (T, B, V)
    probs, step_loss = head.forward(logits, y, mask)
    return Cache(x=x, y=y, mask=mask, h0=np.array(hprev, dtype=dtype), hraw=hraw, h=h,
                 logits=logits, probs=probs, step_loss=step_loss,
                 loss=float(step_loss.sum()))


class BPTT:
    """Backpropagation through time, one timestep per :meth:`step`.

    The output layer has no recurrence, so when the stepper is made it computes,
    for all timesteps at once, ``dy`` (the head's delta), ``dWhy``, ``dby`` and
    ``dh_out = Whyᵀ dy``.  Each :meth:`step` then handles timestep ``t`` for every
    layer, top to bottom::

        dh_t     = dh_out_t (or the layer above's dx_t) + dhnext
        dhraw_t  = f'(h_t) ⊙ dh_t
        dbh     += dhraw_t
        dWxh    += dhraw_t x_tᵀ
        dWhh    += dhraw_t h_{t-1}ᵀ
        dhnext   = Whhᵀ dhraw_t
        dx_t     = Wxhᵀ dhraw_t          (passed down to the layer below)

    After a step the attributes ``t``, ``dy_t``, ``dh_t``, ``dhraw_t``, ``dhnext`` and
    ``dx_t`` (lists over layers where per-layer) hold exactly the values that step
    used or produced, ``grads`` holds the running sums and ``dh_norm[l, t]`` the
    norm of ``dh_t`` of layer ``l``.
    """

    def __init__(self, spec: Spec, params: dict[str, np.ndarray], cache: Cache):
        self.spec, self.params, self.cache = spec, params, cache
        L, T, B, H = cache.h.shape
        self.T = T
        self.names = layer_names(spec.layers)
        self.grads = {k: np.zeros_like(v) for k, v in params.items()}
        head: Head = HEADS[spec.head]
        self.dy = head.backward(cache.probs, cache.logits, cache.y, cache.mask)  # (T, B, V)
        htop = cache.h[-1].reshape(T * B, H)
        dy2 = self.dy.reshape(T * B, -1)
        np.matmul(dy2.T, htop, out=self.grads["Why"])            # (V, H)
        self.grads["by"][...] = dy2.sum(axis=0)
        self.dh_out = (dy2 @ params["Why"]).reshape(T, B, H)     # Whyᵀ dy for every t
        self.dhnext = [np.zeros((B, H), dtype=cache.h.dtype) for _ in range(L)]
        self.dh_t = [None] * L
        self.dhraw_t = [None] * L
        self.dx_t = [None] * L
        self.dh_norm = np.full((L, T), np.nan)
        self.next_t = T - 1
        self.t: int | None = None

    @property
    def done(self) -> bool:
        """True once timestep 0 has been processed."""
        return self.next_t < 0

    @property
    def dy_t(self) -> np.ndarray | None:
        """The head's delta at the timestep just processed, ``(B, V)``."""
        return None if self.t is None else self.dy[self.t]

    def step(self) -> int:
        """Process the next timestep (going backward) and return it."""
        if self.done:
            raise RuntimeError("BPTT already reached t = 0")
        t = self.next_t
        c, p, g = self.cache, self.params, self.grads
        dtop = self.dh_out[t]                                    # (B, H)
        for l in reversed(range(self.spec.layers)):
            wxh, whh, bh = self.names[l]
            h_t = c.h[l, t]                                      # (B, H)
            h_prev = c.h[l, t - 1] if t > 0 else c.h0[l]
            dh = dtop + self.dhnext[l]
            dhraw = act_grad(self.spec, h_t) * dh
            g[bh] += dhraw.sum(axis=0)
            if l == 0 and self.spec.index_input:
                np.add.at(g[wxh].T, c.x[t], dhraw)               # dWxh[:, x_t] += dhraw
            else:
                x_t = c.x[t] if l == 0 else c.h[l - 1, t]
                g[wxh] += dhraw.T @ x_t
            g[whh] += dhraw.T @ h_prev
            self.dhnext[l] = dhraw @ p[whh]                      # Whhᵀ dhraw
            self.dh_t[l], self.dhraw_t[l] = dh, dhraw
            self.dh_norm[l, t] = float(np.sqrt(np.vdot(dh, dh)))
            if l > 0:
                dtop = dhraw @ p[wxh]                            # to the layer below
                self.dx_t[l] = dtop
        self.t = t
        self.next_t = t - 1
        return t


def backward(spec: Spec, params: dict[str, np.ndarray], cache: Cache) -> BPTT:
    """Full BPTT: the stepper run to the end.  Returns it; ``.grads`` are the gradients."""
    bptt = BPTT(spec, params, cache)
    while not bptt.done:
        bptt.step()
    return bptt


def loss_and_grads(spec: Spec, params: dict[str, np.ndarray], x, y, hprev, mask=None):
    """Convenience: forward then full backward; returns ``(loss, grads, cache)``."""
    cache = forward(spec, params, x, y, hprev, mask)
    return cache.loss, backward(spec, params, cache).grads, cache
