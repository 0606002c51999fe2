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
    """min-char-rnn as lean as NumPy allows.  :meth:`step` runs one window.

    ``batch`` B > 1 trains B streams of the text at once (the text cut into B equal
    parts, each read left to right, as rnn-tui's char LM does): the loss is the sum
    over the window of the mean over the batch, so B = 1 is min-char-rnn exactly.
    """

    def __init__(self, text: str, hidden_size: int = 100, seq_length: int = 25,
                 learning_rate: float = 0.1, seed: int = 0, batch: int = 1, dtype: str = "float64"):
        chars = sorted(set(text))
        ix = {ch: i for i, ch in enumerate(chars)}
        data = np.array([ix[ch] for ch in text], dtype=np.intp)
        B = self.B = batch
        seg = len(data) // B
        self.streams = data[:B * seg].reshape(B, seg).T.copy()            # (seg, B)
        self.V = V = len(chars)
        self.H = H = hidden_size
        self.T = T = seq_length
        self.lr = learning_rate
        dt = self.dtype = np.dtype(dtype)
        # one buffer per role, laid out WxhT (V, H) | Whh (H, H) | Why (V, H) | bh (H) | by (V)
        sizes = {"WxhT": (V, H), "Whh": (H, H), "Why": (V, H), "bh": (H,), "by": (V,)}
        n = sum(int(np.prod(s)) for s in sizes.values())
        self.P, self.G = np.zeros(n, dt), np.zeros(n, dt)
        self.M = np.full(n, 1e-8, dt)          # Adagrad memory, its epsilon folded in
        self.s, self.r = np.empty(n, dt), np.empty(n, dt)
        self.p, self.g = self._views(self.P, sizes), self._views(self.G, sizes)
        rs = np.random.RandomState(seed)       # min-char-rnn's draws, in its order
        self.p["WxhT"][...] = (rs.randn(H, V) * 0.01).T
        self.p["Whh"][...] = rs.randn(H, H) * 0.01
        self.p["Why"][...] = rs.randn(V, H) * 0.01
        self.hs = np.zeros((T + 1, B, H), dt)  # h_{-1} .. h_{T-1}
        self.A = np.empty((T, B, H), dt)       # hraw
        self.Y = np.empty((T * B, V), dt)      # logits, then probabilities, then dy
        self.DH, self.DR, self.dact = (np.empty((T, B, H), dt) for _ in range(3))
        self.dhnext, self.tmp = np.empty((B, H), dt), np.empty((B, H), dt)
        self.rows = np.arange(T * B)
        self.onehot = np.zeros((T * B, V), dt) if T * B <= 64 else None   # dWxh: a product, or sorted sums

        def row(a):                            # per-timestep rows: (B, H), or (H,) at B = 1
            return a[..., 0, :] if B == 1 else a
        self.fwd = list(zip(row(self.A), row(self.hs[:-1]), row(self.hs[1:])))
        self.back = list(zip(row(self.dact), row(self.DH), row(self.DR)))[::-1]
        self.dhnext_row, self.tmp_row = row(self.dhnext), row(self.tmp)
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
        T, B, H, p, g = self.T, self.B, self.H, self.p, self.g
        if self.pos + T + 1 >= len(self.streams) or self.n == 0:
            self.hs[0] = 0.0
            self.pos = 0
        x = self.streams[self.pos:self.pos + T].reshape(-1)              # (T B,)
        y = self.streams[self.pos + 1:self.pos + T + 1].reshape(-1)
        A, hs, Y, tmp = self.A, self.hs, self.Y, self.tmp_row
        np.take(p["WxhT"], x, axis=0, out=A.reshape(T * B, H))           # Wxh x_t, all t: a row gather
        A += p["bh"]
        WhhT = p["Whh"].T if B == 1 else np.ascontiguousarray(p["Whh"].T)   # BLAS: C order at B > 1
        for a_t, h_prev, h_t in self.fwd:                                 # the recurrence
            a_t += np.dot(h_prev, WhhT, out=tmp)
            np.tanh(a_t, out=h_t)
        h = hs[1:].reshape(T * B, H)
        np.dot(h, p["Why"].T, out=Y)
        Y += p["by"]
        np.exp(Y, out=Y)
        Y /= Y.sum(axis=1, keepdims=True)                                 # softmax
        loss = -float(np.log(Y[self.rows, y]).sum()) / B
        Y[self.rows, y] -= 1.0                                            # dy (times B)
        if B > 1:
            Y /= B                                                        # the batch mean
        np.dot(Y.T, h, out=g["Why"])
        Y.sum(axis=0, out=g["by"])
        DR, dhnext, Whh = self.DR.reshape(T * B, H), self.dhnext_row, p["Whh"]
        np.dot(Y, p["Why"], out=self.DH.reshape(T * B, H))                # Whyᵀ dy, all t
        np.multiply(hs[1:], hs[1:], out=self.dact)
        np.subtract(1.0, self.dact, out=self.dact)                        # 1 - h²
        dhnext[...] = 0.0
        for dact_t, dh, dhraw in self.back:                               # BPTT's recurrence
            dh += dhnext
            np.multiply(dact_t, dh, out=dhraw)
            np.dot(dhraw, Whh, out=dhnext)
        DR.sum(axis=0, out=g["bh"])
        np.dot(DR.T, hs[:-1].reshape(T * B, H), out=g["Whh"])
        if self.onehot is not None:                                       # few rows: one product
            oh = self.onehot
            oh[...] = 0.0
            oh[self.rows, x] = 1.0
            np.dot(oh.T, DR, out=g["WxhT"])                               # (dWxh)ᵀ
        else:                                                             # many: each symbol's rows summed once
            order = np.argsort(x.astype(np.uint16), kind="stable")
            sx = x[order]
            starts = np.flatnonzero(np.concatenate(([True], sx[1:] != sx[:-1])))
            g["WxhT"][...] = 0.0
            g["WxhT"][sx[starts]] = np.add.reduceat(DR[order], starts, axis=0)
        G, M, P, s, r = self.G, self.M, self.P, self.s, self.r
        np.clip(G, -5.0, 5.0, out=G)
        np.multiply(G, G, out=s)                                          # Adagrad: 6 passes
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
    # a batch of B copies of one stream must train as that stream alone (its mean is itself)
    for B in (3, 40):
        one, many = LeanCharLM(text), LeanCharLM(text, batch=B)
        many.streams = np.repeat(one.streams, B, axis=1)
        for i in range(2):                     # (later, Adagrad's early steps amplify rounding)
            a, b = one.step(), many.step()
            assert abs(a - b) <= 1e-12 * abs(a), (B, i, a, b)
            err = float(np.max(np.abs(one.P - many.P)))
            assert err < 1e-12, (B, i, err)
    print("ok: B = 3 and B = 40 copies of one stream train as that stream alone, to rounding")


if __name__ == "__main__":
    _selfcheck()
