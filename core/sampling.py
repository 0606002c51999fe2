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
    Why, by = params["Why"], params.get("by", 0.0)
    WhhT = [params[whh].T for _, whh, _ in names]
    a, tmp = np.empty((1, spec.hidden_size)), np.empty((1, spec.hidden_size))

    def advance(ix: int) -> None:
        """Feed symbol ``ix``: the cell step of every layer, as training runs it."""
        inp = np.array([ix])
        for l, (wxh, _, bh) in enumerate(names):
            cell.inputs(params[wxh], params.get(bh), inp, l == 0, out=a)   # Wxh x_t + bh
            cell.step(a[0], h[l], WhhT[l], h[l], tmp[0])
            inp = h[l][None]

    for ix in feed:
        advance(ix)
    out, states = [], np.empty((n, spec.layers, spec.hidden_size))
    for i in range(n):
        y = (Why @ h[-1] + by) / max(temperature, 1e-6)           # (V,)
        if greedy:
            ix = int(y.argmax())
        else:
            if 0 < top_k < y.size:
                cut = np.partition(y, -top_k)[-top_k]
                y = np.where(y >= cut, y, -np.inf)
            cdf = np.cumsum(np.exp(y - y.max()))               # unnormalised
            ix = int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"))
            ix = min(ix, y.size - 1)
        out.append(ix)
        advance(ix)
        states[i] = h
    return out, states
