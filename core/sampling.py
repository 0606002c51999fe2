"""Sampling text from a character-level model, one symbol at a time.

Dimensions: L layers, H hidden, V vocabulary.  Sampling runs a single stream
(``B = 1``), so states are ``(L, H)``.
"""

from __future__ import annotations

import numpy as np

from rnn_tui.core.model import Spec, layer_names, make_cell


def sample(spec: Spec, params: dict[str, np.ndarray], h: np.ndarray, seed_ix: int, n: int,
           rng: np.random.Generator, temperature: float = 1.0, top_k: int = 0,
           greedy: bool = False, prime: list[int] | None = None) -> tuple[list[int], np.ndarray]:
    """Generate ``n`` symbol indices.

    Args:
        h: ``(L, H)`` starting state (not modified).
        seed_ix: the symbol fed first.
        temperature: logits are divided by it (lower = more conservative).
        top_k: if > 0, sample only among the ``k`` most likely symbols.
        greedy: take the most likely symbol instead of sampling.
        prime: symbols fed (and not returned) before sampling starts; the last one
            replaces ``seed_ix``.

    Returns:
        The sampled indices and the hidden states ``(n, L, H)`` that produced them.
    """
    cell = make_cell(spec)
    names = layer_names(spec.layers)
    h = np.array(h, dtype=np.float64)                           # (L, H)
    feed = list(prime or []) or [seed_ix]
    Why, by = params["Why"], params.get("by")
    WhhT = [params[whh].T for _, whh, _ in names]
    H, V = spec.hidden_size, Why.shape[0]
    wxh0, _, bh0 = names[0]
    # Wxh x + bh of every symbol at once, (V, H): row ix is what the cell's input
    # term is for ix, so each step copies a row instead of gathering a column
    table = cell.inputs(params[wxh0], params.get(bh0), np.arange(spec.input_size), True)
    a, tmp = np.empty(H), np.empty(H)
    y, cdf = np.empty(V), np.empty(V)                           # logits, their running exp sums
    h0, htop, WhhT0, step = h[0], h[-1], WhhT[0], cell.step      # rows and names bound once

    def advance(ix: int) -> None:
        """Feed symbol ``ix``: the cell step of every layer, as training runs it."""
        a[...] = table[ix]
        step(a, h0, WhhT0, h0, tmp)
        for l in range(1, len(names)):
            wxh, _, bh = names[l]
            cell.inputs(params[wxh], params.get(bh), h[l - 1][None], False, out=a[None])   # Wxh h_below + bh
            step(a, h[l], WhhT[l], h[l], tmp)

    for ix in feed:
        advance(ix)
    out, states = [], np.empty((n, spec.layers, spec.hidden_size))
    # one uniform a symbol, all drawn at once: the same numbers as one call each
    uniform = None if greedy else rng.random(n)
    for i in range(n):
        np.dot(Why, htop, out=y)                                 # (V,)
        if by is not None:
            y += by
        if temperature != 1.0:
            y /= max(temperature, 1e-6)
        if greedy:
            ix = int(y.argmax())
        else:
            z = y
            if 0 < top_k < V:
                cut = np.partition(y, -top_k)[-top_k]
                z = np.where(y >= cut, y, -np.inf)
            np.subtract(z, np.maximum.reduce(z), out=cdf)
            np.exp(cdf, out=cdf)
            cdf.cumsum(out=cdf)                                  # unnormalised
            ix = int(cdf.searchsorted(uniform[i] * cdf[-1], side="right"))
            ix = min(ix, V - 1)
        out.append(ix)
        advance(ix)
        states[i] = h
    return out, states
