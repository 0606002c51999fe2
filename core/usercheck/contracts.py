"""The two contracts a user's file can meet, and the examples it is checked on.

**min-char-rnn style** (:class:`MinChar`): ``lossFun(inputs, targets, hprev)`` reads
the module globals ``Wxh (H, V)``, ``Whh (H, H)``, ``Why (V, H)``, ``bh (H, 1)``,
``by (V, 1)``; ``inputs`` and ``targets`` are lists of ``T`` ints, ``hprev`` is
``(H, 1)``; it returns ``loss, dWxh, dWhh, dWhy, dbh, dby, h_last`` with the
gradients shaped like their parameters and ``h_last (H, 1)``.

**any task** (:class:`Batched`): ``loss_and_grads(params, inputs, targets, h0)``
returns ``(loss, grads, h_last)``; ``params`` and ``grads`` are dicts under
rnn-tui's names and shapes (:meth:`rnn_tui.core.model.Spec.shapes`), inputs and
targets are what the task's ``next_batch`` produces, ``h0`` and ``h_last`` are
``(L, B, H)``.  See ``samples/check/README.md`` for every shape.

Both meet rnn-tui at the same place: an :class:`Example` in rnn-tui's layout
(time-major, batch-rowed; biases ``(H,)``), converted here on the way in and out.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from rnn_tui.core.model import BPTT, Cache, Spec, forward, init_params, layer_names

MINCHAR_DEFAULT_HIDDEN = 100        # min-char-rnn's hidden_size
MINCHAR_DEFAULT_VOCAB = 65          # tinyshakespeare's characters
MINCHAR_WEIGHTS = ("Wxh", "Whh", "Why", "bh", "by")   # the module globals a lossFun reads
BIAS_STD = 0.1


class ContractError(Exception):
    """The user's function returned something the contract does not allow (message says what)."""


@dataclass
class Example:
    """One example in rnn-tui's layout.

    Attributes:
        x: ``(T, B)`` symbol indices or ``(T, B, D)`` floats.
        y: ``(T, B)`` indices or ``(T, B, V)`` floats.
        mask: ``(T,)`` loss weight of each timestep.
        h0: ``(L, B, H)`` the state carried in.
    """

    x: np.ndarray
    y: np.ndarray
    mask: np.ndarray
    h0: np.ndarray

    @property
    def T(self) -> int:
        return self.x.shape[0]

    def prefix(self, k: int) -> "Example":
        """The first ``k`` timesteps.  The mask is the last ``k`` of the task's mask: a
        task that scores only its final steps (stack) scores the final steps of the
        shorter sequence too, as the user's function does."""
        return Example(self.x[:k], self.y[:k], self.mask[self.T - k:], self.h0)


@dataclass
class Reference:
    """rnn-tui's own forward and BPTT on one example.

    Attributes:
        cache: the forward pass.
        grads: the gradients (a copy).
        steps: quantity -> ``(L, T, B, X)``, what the BPTT stepper held after each
            :meth:`~rnn_tui.core.model.BPTT.step` (``dy`` repeated for every layer).
    """

    cache: Cache
    grads: dict[str, np.ndarray]
    steps: dict[str, np.ndarray]

    @property
    def loss(self) -> float:
        return self.cache.loss

    @property
    def h_last(self) -> np.ndarray:
        return self.cache.hlast                               # (L, B, H)


def reference(spec: Spec, params: dict[str, np.ndarray], ex: Example) -> Reference:
    """Forward, then the BPTT stepper one timestep at a time, keeping what each step left."""
    cache = forward(spec, params, ex.x, ex.y, ex.h0, ex.mask)
    bptt = BPTT(spec, params, cache)
    L, T, B, H = cache.h.shape
    V = bptt.dy.shape[2]
    steps = {"dy": np.full((L, T, B, V), np.nan), "dh": np.full((L, T, B, H), np.nan),
             "dhraw": np.full((L, T, B, H), np.nan), "dhnext": np.full((L, T, B, H), np.nan)}
    while not bptt.done:
        t = bptt.step()
        for l in range(L):
            steps["dy"][l, t] = bptt.dy_t
            steps["dh"][l, t] = bptt.dh_t[l]
            steps["dhraw"][l, t] = bptt.dhraw_t[l]
            steps["dhnext"][l, t] = bptt.dhnext[l]            # overwritten by the next step: copied
    return Reference(cache, {k: np.array(v) for k, v in bptt.grads.items()}, steps)


def working_params(spec: Spec, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """rnn-tui's initialisation (:func:`~rnn_tui.core.model.init_params`) scaled to where
    the activation bends.

    The weights a run starts from (0.01 × randn, zero biases) keep every hidden unit
    near 0, where tanh is almost the identity: there ``1 − hraw²`` and ``1 − h²``
    differ by about ``h⁴``, so a derivative taken at the wrong place moves the
    gradients by ~1e-8 of their norm (measured at H = 100: 1.1e-8) — it fails a 1e-7
    check only in the smallest entries, and the variants of :mod:`.variants` that
    explain it lie just as close to each other.  Here each weight matrix is scaled by
    ``1/√fan-in`` (one symbol per step for index inputs), so pre-activations are of
    order 1 and the same mistake moves the gradients by their own size; biases are
    drawn (std 0.1) so that a forward pass that forgets them shows.
    """
    p = init_params(spec, rng, "normal", 1.0)
    H = spec.hidden_size
    for l, (wxh, whh, bh) in enumerate(layer_names(spec.layers)):
        fan = 1 if (l == 0 and spec.index_input) else p[wxh].shape[1]
        p[wxh] *= 1.0 / math.sqrt(fan)
        p[whh] *= 1.0 / math.sqrt(H)
        p[bh][...] = BIAS_STD * rng.standard_normal(H)
    p["Why"] *= 1.0 / math.sqrt(H)
    p["by"][...] = BIAS_STD * rng.standard_normal(spec.output_size)
    return p


def large_example(spec: Spec, params: dict, ex: Example, want: float = 20.0,
                  want_dh: float = 8.0) -> tuple[dict, Example, float]:
    """An example whose gradients are large, for seeing clipping inside the function.

    The targets become ones the network does not predict (one symbol for every step;
    the opposite bit; the target moved by 10) and ``Why``, ``by`` are scaled up
    (3×, 10× … 300×) until some gradient entry exceeds ``want`` and some entry of a
    ``dh_t`` exceeds ``want_dh`` (a clip inside the backward loop, at ±5 as in
    min-char-rnn or at ±1, then cuts it); hidden states are unchanged.  A sigmoid
    output saturates as it is scaled (its gradient then *shrinks*), so the scale
    nearest to both is kept.  Returns the params, the example and the largest
    gradient entry.
    """
    if spec.head == "softmax_ce":
        y = np.zeros_like(ex.y)
    elif spec.head in ("sigmoid_mse", "sigmoid_bce"):
        y = 1.0 - ex.y
    else:
        y = ex.y + 10.0
    big = Example(ex.x, y, ex.mask, ex.h0)
    best = None
    # (at 300× the logits stay far below where a learner's unshifted softmax overflows)
    for s in (1.0, 3.0, 10.0, 30.0, 100.0, 300.0):
        p = {k: np.array(v) for k, v in params.items()}
        p["Why"] *= s
        p["by"] *= s
        r = reference(spec, p, big)
        m = max(float(np.max(np.abs(v))) for v in r.grads.values())
        d = float(np.max(np.abs(r.steps["dh"])))
        score = min(m / want, d / want_dh)
        if best is None or score > best[3]:
            best = (p, big, m, score)
        if score >= 1.0:
            break
    return best[:3]


def to_layout(u: np.ndarray, shape: tuple) -> np.ndarray | None:
    """A traced value ``u`` in rnn-tui's ``(B, X)`` layout, or None if it cannot be.

    Columns ``(X, 1)`` and flat ``(X,)`` vectors are one example; ``(X, B)`` is
    transposed when it is unambiguous (``B ≠ X``).
    """
    B, X = shape
    if u.shape == (B, X):
        return u
    if u.size != B * X:
        return None
    if B == 1 or X == 1:
        return u.reshape(B, X)
    if u.shape == (X, B):
        return u.T
    return None


@dataclass
class UserResult:
    """One call's return value in rnn-tui's layout."""

    loss: float
    grads: dict[str, np.ndarray]
    h_last: np.ndarray              # (L, B, H)
    dtypes: dict
    changed: list


def _shape(s) -> str:
    return "(" + ", ".join(str(n) for n in s) + (",)" if len(s) == 1 else ")")


def _loss(a: np.ndarray, what: str) -> float:
    if a.size != 1:
        raise ContractError(f"{what} has shape {_shape(a.shape)}; expected one number "
                            "(the loss summed over the timesteps)")
    return float(a.reshape(-1)[0])


class MinChar:
    """``lossFun(inputs, targets, hprev)`` with the weights as module globals."""

    kind = "lossFun"
    layout = ["array"] * 7
    names = ["loss", "dWxh", "dWhh", "dWhy", "dbh", "dby", "h_last"]
    order = MINCHAR_WEIGHTS

    def __init__(self, spec: Spec, function: str, flat: bool = False):
        """``flat``: the file keeps its biases as ``(X,)`` vectors (not min-char-rnn's
        ``(X, 1)`` columns): they, and ``hprev``, are set in that shape."""
        self.spec, self.function, self.flat = spec, function, flat

    def wire(self, params: dict, ex: Example) -> dict:
        column = (-1,) if self.flat else (-1, 1)
        g = {k: np.array(params[k]) for k in ("Wxh", "Whh", "Why")}
        g["bh"] = params["bh"].reshape(column).copy()
        g["by"] = params["by"].reshape(column).copy()
        return {"globals": g, "args": [[int(i) for i in ex.x[:, 0]], [int(i) for i in ex.y[:, 0]],
                                       ex.h0[0, 0].reshape(column).copy()]}

    def perturb_path(self, name: str) -> list:
        return ["globals", name]

    def user_shapes(self) -> dict:
        H, V = self.spec.hidden_size, self.spec.output_size
        col = "" if self.flat else " 1"
        return {"Wxh": f"({H}, {V})", "Whh": f"({H}, {H})", "Why": f"({V}, {H})", "bh": f"({H},{col})",
                "by": f"({V},{col})", "inputs": "list of T ints", "targets": "list of T ints",
                "hprev": f"({H},{col})", "h_last": f"({H},{col})"}

    def returns_text(self) -> str:
        return "loss, dWxh, dWhh, dWhy, dbh, dby, h_last (min-char-rnn's order)"

    def parse(self, res: dict) -> UserResult:
        parts = res["parts"]
        loss = _loss(parts[0], "the loss (the 1st value returned)")
        shapes = self.spec.shapes()
        grads = {}
        for i, k in enumerate(self.order):
            a, want = parts[i + 1], shapes[k]
            ok = a.shape == want or (len(want) == 1 and a.shape == (want[0], 1))
            if not ok:
                shown = _shape((want[0], 1)) if len(want) == 1 else _shape(want)
                raise ContractError(f"d{k} (value {i + 2} of 7) has shape {_shape(a.shape)}; expected "
                                    f"{shown}, the shape of {k}")
            grads[k] = a.reshape(want)
        H = self.spec.hidden_size
        h = parts[6]
        if h.shape not in ((H, 1), (H,)):
            raise ContractError(f"h_last (value 7 of 7) has shape {_shape(h.shape)}; expected ({H}, 1), "
                                "the last hidden state hs[len(inputs)-1]")
        return UserResult(loss, {k: grads[k] for k in shapes}, h.reshape(1, 1, H), res["dtypes"],
                          res["changed"])


class Batched:
    """``loss_and_grads(params, inputs, targets, h0)`` for any task, layers and batch."""

    kind = "loss_and_grads"
    layout = ["array", "dict", "array"]
    names = ["loss", "grads", "h_last"]

    def __init__(self, spec: Spec, function: str, batch: int):
        self.spec, self.function, self.batch = spec, function, batch

    def wire(self, params: dict, ex: Example) -> dict:
        return {"args": [{k: np.array(v) for k, v in params.items()}, np.array(ex.x), np.array(ex.y),
                         np.array(ex.h0)]}

    def perturb_path(self, name: str) -> list:
        return ["args", 0, name]

    def user_shapes(self) -> dict:
        s = self.spec
        T, B, L, H = "T", self.batch, s.layers, s.hidden_size
        out = {k: _shape(v) for k, v in s.shapes().items()}
        out["inputs"] = f"({T}, {B}) ints" if s.index_input else f"({T}, {B}, {s.input_size}) floats"
        out["targets"] = (f"({T}, {B}) ints" if s.head == "softmax_ce"
                          else f"({T}, {B}, {s.output_size}) floats")
        out["h0"] = out["h_last"] = f"({L}, {B}, {H})"
        return out

    def returns_text(self) -> str:
        return "loss, grads, h_last"

    def parse(self, res: dict) -> UserResult:
        parts = res["parts"]
        loss = _loss(parts[0], "the loss (the 1st value returned)")
        got = parts[1]
        shapes = self.spec.shapes()
        names = ", ".join(shapes)
        for k in got:
            if k not in shapes and k.startswith("d") and k[1:] in shapes:
                raise ContractError(f"grads has the key {k!r}: its keys are the parameter names "
                                    f"({k[1:]}, not {k}): {names}")
        missing = [k for k in shapes if k not in got]
        if missing:
            raise ContractError(f"grads has no {', '.join(repr(k) for k in missing)}; its keys are "
                                f"rnn-tui's parameter names: {names}")
        extra = [k for k in got if k not in shapes]
        if extra:
            raise ContractError(f"grads has unexpected key{'s' if len(extra) > 1 else ''} "
                                f"{', '.join(repr(k) for k in extra)}; its keys are: {names}")
        for k, want in shapes.items():
            if got[k].shape != want:
                raise ContractError(f"grads[{k!r}] has shape {_shape(got[k].shape)}; expected "
                                    f"{_shape(want)}, the shape of params[{k!r}]")
        L, B, H = self.spec.layers, self.batch, self.spec.hidden_size
        h = parts[2]
        if h.shape != (L, B, H) and not (L == 1 and h.shape == (B, H)):
            raise ContractError(f"h_last has shape {_shape(h.shape)}; expected ({L}, {B}, {H}), "
                                "the last state of every layer (layers, batch, hidden)")
        return UserResult(loss, {k: got[k] for k in shapes}, h.reshape(L, B, H), res["dtypes"],
                          res["changed"])


def spec64(spec: Spec) -> Spec:
    return dataclasses.replace(spec, dtype="float64")
