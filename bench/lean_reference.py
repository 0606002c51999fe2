"""The fastest single-purpose plain-NumPy min-char-rnn we know how to write, as a
yardstick for ``bench/throughput.py``: how fast could a B = 1 training step be if
it did min-char-rnn's math and nothing else — no views, no metrics, no rollback?

:class:`LeanCharLM` is what issue 13 describes as "the best plain-NumPy char-RNN":
exactly min-char-rnn's arithmetic (tanh cell, softmax without a max shift, clip to
±5, Adagrad 0.1), written for speed:

* one flat buffer each for parameters, gradients and Adagrad memory, so clipping
  and the update are whole-buffer passes;
* Adagrad's ``+ 1e-8`` folded into the memory's starting value (6 passes, not 7);
* ``Wxh`` kept as its transpose, so ``Wxh x_t`` for every t is one row gather;
* preallocated ``(T, H)`` arrays and per-timestep row views built once;
* only the recurrence (forward and BPTT) in Python loops: the output layer,
  softmax, loss and every weight gradient are whole-window products;
* the corpus pre-encoded as one int array, windows taken as slices.

It draws no samples (``--headless`` rnn-tui draws none either): it is the step's
math alone.  Run this file for a self-check against ``naive_reference``: from the same
state, a step must give the same loss and weights, to rounding.
"""

from __future__ import annotations

import numpy as np


class LeanCharLM:
    """min-char-rnn at B = 1, as lean as NumPy allows.  :meth:`step` runs one window."""

    def __init__(self, text: str, hidden_size: int = 100, seq_length: int = 25,
                 learning_rate: float = 0.1, seed: int = 0):
        chars = sorted(set(text))
        ix = {ch: i for i, ch in enumerate(chars)}
        self.data = np.array([ix[ch] for ch in text], dtype=np.intp)
        self.V = V = len(chars)
        self.H = H = hidden_size
        self.T = T = seq_length
        self.lr = learning_rate
        # one buffer per role, laid out WxhT (V, H) | Whh (H, H) | Why (V, H) | bh (H) | by (V)
        sizes = {"WxhT": (V, H), "Whh": (H, H), "Why": (V, H), "bh": (H,), "by": (V,)}
        n = sum(int(np.prod(s)) for s in sizes.values())
        self.P, self.G = np.zeros(n), np.zeros(n)
        self.M = np.full(n, 1e-8)              # Adagrad memory, its epsilon folded in
        self.s, self.r = np.empty(n), np.empty(n)
        self.p, self.g = self._views(self.P, sizes), self._views(self.G, sizes)
        rs = np.random.RandomState(seed)       # min-char-rnn's draws, in its order
        self.p["WxhT"][...] = (rs.randn(H, V) * 0.01).T
        self.p["Whh"][...] = rs.randn(H, H) * 0.01
        self.p["Why"][...] = rs.randn(V, H) * 0.01
        self.WhhT = self.p["Whh"].T
        self.hs = np.zeros((T + 1, H))         # h_{-1} .. h_{T-1}
        self.A = np.empty((T, H))              # hraw
        self.Y = np.empty((T, V))              # logits, then probabilities, then dy
        self.DH, self.DR, self.dact = np.empty((T, H)), np.empty((T, H)), np.empty((T, H))
        self.onehot = np.zeros((T, V))
        self.dhnext, self.tmp = np.empty(H), np.empty(H)
        self.rows = np.arange(T)
        self.fwd = list(zip(self.A, self.hs[:-1], self.hs[1:]))
        self.back = list(zip(self.dact, self.DH, self.DR))[::-1]
        self.pos, self.n = 0, 0

    @staticmethod
    def _views(buf, sizes):
        out, o = {}, 0
        for k, s in sizes.items():
            m = int(np.prod(s))
            out[k] = buf[o:o + m].reshape(s)
            o += m
        return out

    def step(self) -> float:
        """One iteration of min-char-rnn's loop (minus its sample); returns the loss."""
        T, p, g = self.T, self.p, self.g
        if self.pos + T + 1 >= len(self.data) or self.n == 0:
            self.hs[0] = 0.0
            self.pos = 0
        x = self.data[self.pos:self.pos + T]
        y = self.data[self.pos + 1:self.pos + T + 1]
        A, hs, Y, tmp, WhhT = self.A, self.hs, self.Y, self.tmp, self.WhhT
        np.take(p["WxhT"], x, axis=0, out=A)                  # Wxh x_t, all t: a row gather
        A += p["bh"]
        for a_t, h_prev, h_t in self.fwd:                     # the recurrence
            a_t += np.dot(h_prev, WhhT, out=tmp)
            np.tanh(a_t, out=h_t)
        h = hs[1:]
        np.dot(h, p["Why"].T, out=Y)
        Y += p["by"]
        np.exp(Y, out=Y)
        Y /= Y.sum(axis=1, keepdims=True)                     # softmax
        loss = -float(np.log(Y[self.rows, y]).sum())
        Y[self.rows, y] -= 1.0                                # dy
        np.dot(Y.T, h, out=g["Why"])
        Y.sum(axis=0, out=g["by"])
        DH, DR, dhnext, Whh = self.DH, self.DR, self.dhnext, p["Whh"]
        np.dot(Y, p["Why"], out=DH)                           # Whyᵀ dy, all t
        np.multiply(h, h, out=self.dact)
        np.subtract(1.0, self.dact, out=self.dact)            # 1 - h²
        dhnext[...] = 0.0
        for dact_t, dh, dhraw in self.back:                   # BPTT's recurrence
            dh += dhnext
            np.multiply(dact_t, dh, out=dhraw)
            np.dot(dhraw, Whh, out=dhnext)
        DR.sum(axis=0, out=g["bh"])
        np.dot(DR.T, hs[:-1], out=g["Whh"])
        oh = self.onehot
        oh[...] = 0.0
        oh[self.rows, x] = 1.0
        np.dot(oh.T, DR, out=g["WxhT"])                       # (dWxh)ᵀ: one-hot product
        G, M, P, s, r = self.G, self.M, self.P, self.s, self.r
        np.clip(G, -5.0, 5.0, out=G)
        np.multiply(G, G, out=s)                              # Adagrad: 6 passes
        M += s
        np.sqrt(M, out=r)
        np.multiply(G, -self.lr, out=s)
        s /= r
        P += s
        hs[0] = hs[T]
        self.pos += T
        self.n += 1
        return loss


def _selfcheck() -> None:
    """Take over min-char-rnn's state (weights, Adagrad memory, hprev, position)
    at several points of a run and take one step on both: the loss and every
    weight and memory after it must agree to rounding.  (Runs are compared step by
    step, not end to end: early Adagrad steps amplify rounding differences
    chaotically, in min-char-rnn itself as much as here.)"""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from naive_reference import NaiveCharLM

    text = (Path(__file__).resolve().parent.parent / "samples" / "tinyshakespeare.txt").read_text()[:20000]
    naive, lean = NaiveCharLM(text, sample_every=0), LeanCharLM(text)
    names = (("Wxh", "WxhT"), ("Whh", "Whh"), ("Why", "Why"), ("bh", "bh"), ("by", "by"))
    M = lean._views(lean.M, {k: v.shape for k, v in lean.p.items()})
    for stop in (0, 1, 5, 50, 300):
        while naive.n < stop:
            naive.step()
        for nk, lk in names:
            w = getattr(naive, nk)
            lean.p[lk][...] = (w.T if lk == "WxhT" else w).reshape(lean.p[lk].shape)
            m = getattr(naive, "m" + nk)
            M[lk][...] = (m.T if lk == "WxhT" else m).reshape(M[lk].shape) + 1e-8
        lean.hs[0], lean.pos, lean.n = naive.hprev.ravel(), naive.p, naive.n
        a, b = naive.step(), lean.step()
        assert abs(a - b) <= 1e-12 * abs(a), (stop, a, b)
        for nk, lk in names:
            w = getattr(naive, nk)
            err = float(np.max(np.abs((w.T if lk == "WxhT" else w).reshape(lean.p[lk].shape) - lean.p[lk])))
            assert err < 1e-12, (stop, nk, err)
    print("ok: one step from min-char-rnn's state at iterations 0, 1, 5, 50 and 300 gives "
          "its loss and weights, to rounding")


if __name__ == "__main__":
    _selfcheck()
