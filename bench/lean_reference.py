"""The fastest single-purpose plain-NumPy trainers we know how to write, as
yardsticks for ``bench/throughput.py``: how fast could a training step be if it did
the tutorial's math and nothing else — no views, no metrics, no rollback?

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
math alone.  ``batch`` > 1 trains B streams at once.

:class:`LeanSubtraction` is the subtraction tutorial's loop (seed 003) written the
same way.

Run this file for a self-check against ``naive_reference``: from the same state a
step gives the same loss and weights, to rounding; B copies of one stream train as
that stream; the lean subtraction trains as the tutorial's loop.
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


class LeanSubtraction:
    """The subtraction tutorial (seed 003) as lean as NumPy allows: 8 bits, 16 sigmoid
    units, a sigmoid output, no biases, the state starting at 0.1, plain SGD with
    alpha 0.9 on one example per iteration.  :meth:`step` draws and trains one.

    The operands are drawn 4096 at a time; the bits come from a table of every
    number's bits; the input term and every weight gradient are whole-sequence
    products; one flat buffer holds the weights and another the updates.
    """

    def __init__(self, bits: int = 8, hidden: int = 16, alpha: float = 0.9, seed: int = 0):
        rs = np.random.RandomState(seed)       # the tutorial's draws, in its order
        H = self.H = hidden
        self.T = T = bits
        self.alpha = alpha
        sizes = {"W0": (2, H), "W1": (H, 1), "Wh": (H, H)}
        n = sum(int(np.prod(v)) for v in sizes.values())
        self.P, self.G, self.s = np.zeros(n), np.zeros(n), np.empty(n)
        self.p, self.g = LeanCharLM._views(self.P, sizes), LeanCharLM._views(self.G, sizes)
        for k in sizes:
            self.p[k][...] = (2 * rs.random_sample(sizes[k]) - 1) * 0.05
        self.table = ((np.arange(2 ** bits)[None] >> np.arange(bits)[:, None]) & 1).astype(float)  # (T, 2^bits)
        self.rng = np.random.default_rng(seed)
        self.a = self.b = np.zeros(0, dtype=np.intp)
        self.k = 0
        self.X, self.A, self.hs = np.empty((T, 2)), np.empty((T, H)), np.full((T + 1, H), 0.1)
        self.O, self.D2 = np.empty((T, 1)), np.empty((T, 1))
        self.DH, self.DR, self.dact = np.empty((T, H)), np.empty((T, H)), np.empty((T, H))
        self.tmp, self.future = np.empty(H), np.empty(H)
        self.fwd = list(zip(self.A, self.hs[:-1], self.hs[1:]))
        self.back = list(zip(self.DH, self.dact, self.DR))[::-1]

    @staticmethod
    def _sigmoid(z, out):
        np.negative(z, out=out)
        np.exp(out, out=out)
        out += 1.0
        np.reciprocal(out, out=out)

    def step(self) -> float:
        """Draw one example (a ≥ b) and train on it; returns Σ |error| over the bits."""
        if self.k == len(self.a):
            a = self.rng.integers(0, 2 ** self.T, 4096)
            b = self.rng.integers(0, 2 ** (self.T - 1), 4096)
            self.a, self.b, self.k = np.maximum(a, b), np.minimum(a, b), 0
        k = self.k
        self.k += 1
        return self.train(int(self.a[k]), int(self.b[k]))

    def train(self, a: int, b: int) -> float:
        """Forward, backward and the SGD step on the pair ``a, b``."""
        p, g, X, A, hs, O, D2 = self.p, self.g, self.X, self.A, self.hs, self.O, self.D2
        np.take(self.table, (a, b), axis=1, out=X)                        # (T, 2): a_t, b_t
        y = self.table[:, a - b, None]                                    # (T, 1): c_t
        np.dot(X, p["W0"], out=A)                                         # the input term, all t
        Wh, tmp, sig = p["Wh"], self.tmp, self._sigmoid
        for a_t, h_prev, h_t in self.fwd:                                 # the recurrence
            a_t += np.dot(h_prev, Wh, out=tmp)
            sig(a_t, h_t)
        h = hs[1:]
        np.dot(h, p["W1"], out=O)
        sig(O, O)                                                         # the output
        np.subtract(y, O, out=D2)                                         # error
        err = float(np.abs(D2).sum())
        D2 *= O
        D2 *= 1.0 - O                                                     # layer_2_delta
        np.dot(h.T, D2, out=g["W1"])
        np.dot(D2, p["W1"].T, out=self.DH)                                # its share of every dh
        np.subtract(1.0, h, out=self.dact)
        self.dact *= h                                                    # h (1 - h)
        future, WhT = self.future, Wh.T
        future[...] = 0.0
        for dh_out, dact_t, dr in self.back:                              # BPTT's recurrence
            np.dot(future, WhT, out=tmp)
            tmp += dh_out
            np.multiply(tmp, dact_t, out=dr)
            future = dr
        np.dot(hs[:-1].T, self.DR, out=g["Wh"])
        np.dot(X.T, self.DR, out=g["W0"])
        np.multiply(self.G, self.alpha, out=self.s)                       # weights += alpha · update
        self.P += self.s
        hs[0] = 0.1                                                       # every example starts afresh
        return err


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
    from naive_reference import NaiveSubtraction
    naive, lean = NaiveSubtraction(), LeanSubtraction()
    rs = np.random.RandomState(7)
    for i in range(2000):
        a, b = sorted((int(rs.randint(256)), int(rs.randint(128))), reverse=True)
        e1, e2 = float(naive.train_example(a, b)[0][0]), lean.train(a, b)
        assert abs(e1 - e2) <= 1e-9, (i, e1, e2)
    for nk, lk in (("weight_0", "W0"), ("weight_1", "W1"), ("weight_h", "Wh")):
        err = float(np.max(np.abs(getattr(naive, nk) - lean.p[lk])))
        assert err < 1e-9, (nk, err)
    print("ok: the lean subtraction loop trains 2000 examples as the tutorial's does, to rounding")


if __name__ == "__main__":
    _selfcheck()
