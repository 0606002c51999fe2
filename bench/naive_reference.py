"""Deliberately naive re-implementations of the seed tutorials, used as the speed
baseline by ``bench/throughput.py``.

Nothing here is clever on purpose: it is the tutorials' algorithm written in the
tutorials' style, so that "N× faster than the tutorial" means something.

* :class:`NaiveCharLM` — min-char-rnn (seed 000): per-timestep Python dicts
  ``xs, hs, ys, ps``; one-hot column vectors ``(V, 1)``; dense ``np.dot(Wxh, x)``;
  a softmax per timestep; a backward loop of outer products; clip every gradient
  to ±5; Adagrad 0.1.  The text is swept left to right in ``seq_length`` windows
  with ``hprev`` carried across windows and reset at the end of the data; a
  200-character sample is drawn every 100 iterations, as in the original loop.
* :class:`NaiveSubtraction` — the 8-bit subtraction tutorial (seed 003): one
  example per iteration, a Python loop over bits, sigmoid hidden layer of 16,
  sigmoid output, ½ squared error, plain SGD with alpha 0.9, hidden state starting
  at 0.1, no biases.

Run this file directly for a self-check: the naive gradients must match
``core.model`` on the same parameters and data.
"""

from __future__ import annotations

import numpy as np


class NaiveCharLM:
    """min-char-rnn, B = 1.  :meth:`step` runs one iteration (one window)."""

    def __init__(self, text: str, hidden_size: int = 100, seq_length: int = 25,
                 learning_rate: float = 0.1, seed: int = 0, sample_every: int = 100,
                 sample_len: int = 200):
        self.data = text
        chars = sorted(set(text))
        self.vocab_size = V = len(chars)
        self.char_to_ix = {ch: i for i, ch in enumerate(chars)}
        self.ix_to_char = {i: ch for i, ch in enumerate(chars)}
        self.hidden_size = H = hidden_size
        self.seq_length = seq_length
        self.learning_rate = learning_rate
        self.sample_every, self.sample_len = sample_every, sample_len
        self.rs = np.random.RandomState(seed)
        self.Wxh = self.rs.randn(H, V) * 0.01
        self.Whh = self.rs.randn(H, H) * 0.01
        self.Why = self.rs.randn(V, H) * 0.01
        self.bh = np.zeros((H, 1))
        self.by = np.zeros((V, 1))
        self.mWxh, self.mWhh, self.mWhy = (np.zeros_like(self.Wxh), np.zeros_like(self.Whh),
                                           np.zeros_like(self.Why))
        self.mbh, self.mby = np.zeros_like(self.bh), np.zeros_like(self.by)
        self.smooth_loss = -np.log(1.0 / V) * seq_length
        self.hprev = np.zeros((H, 1))
        self.n = 0
        self.p = 0
        self.last_sample = ""

    def lossFun(self, inputs, targets, hprev):
        """Forward and backward over one window; returns loss, grads, last state."""
        Wxh, Whh, Why, bh, by = self.Wxh, self.Whh, self.Why, self.bh, self.by
        V = self.vocab_size
        xs, hs, ys, ps = {}, {}, {}, {}
        hs[-1] = np.copy(hprev)
        loss = 0.0
        for t in range(len(inputs)):
            xs[t] = np.zeros((V, 1))
            xs[t][inputs[t]] = 1
            hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
            ys[t] = np.dot(Why, hs[t]) + by
            ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t]))
            loss += -np.log(ps[t][targets[t], 0])
        dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
        dbh, dby = np.zeros_like(bh), np.zeros_like(by)
        dhnext = np.zeros_like(hs[0])
        for t in reversed(range(len(inputs))):
            dy = np.copy(ps[t])
            dy[targets[t]] -= 1
            dWhy += np.dot(dy, hs[t].T)
            dby += dy
            dh = np.dot(Why.T, dy) + dhnext
            dhraw = (1 - hs[t] * hs[t]) * dh
            dbh += dhraw
            dWxh += np.dot(dhraw, xs[t].T)
            dWhh += np.dot(dhraw, hs[t - 1].T)
            dhnext = np.dot(Whh.T, dhraw)
        for dparam in [dWxh, dWhh, dWhy, dbh, dby]:
            np.clip(dparam, -5, 5, out=dparam)
        return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1]

    def sample(self, h, seed_ix, n):
        """Draw ``n`` indices, feeding one-hot vectors back in."""
        V = self.vocab_size
        x = np.zeros((V, 1))
        x[seed_ix] = 1
        ixes = []
        for _ in range(n):
            h = np.tanh(np.dot(self.Wxh, x) + np.dot(self.Whh, h) + self.bh)
            y = np.dot(self.Why, h) + self.by
            p = np.exp(y) / np.sum(np.exp(y))
            ix = self.rs.choice(range(V), p=p.ravel())
            x = np.zeros((V, 1))
            x[ix] = 1
            ixes.append(ix)
        return ixes

    def step(self) -> float:
        """One iteration of min-char-rnn's ``while True`` body; returns the loss."""
        T, data = self.seq_length, self.data
        if self.p + T + 1 >= len(data) or self.n == 0:
            self.hprev = np.zeros((self.hidden_size, 1))
            self.p = 0
        inputs = [self.char_to_ix[ch] for ch in data[self.p:self.p + T]]
        targets = [self.char_to_ix[ch] for ch in data[self.p + 1:self.p + T + 1]]
        if self.sample_every and self.n % self.sample_every == 0:
            sample_ix = self.sample(self.hprev, inputs[0], self.sample_len)
            self.last_sample = "".join(self.ix_to_char[ix] for ix in sample_ix)
        loss, dWxh, dWhh, dWhy, dbh, dby, self.hprev = self.lossFun(inputs, targets, self.hprev)
        self.smooth_loss = self.smooth_loss * 0.999 + loss * 0.001
        for param, dparam, mem in zip([self.Wxh, self.Whh, self.Why, self.bh, self.by],
                                      [dWxh, dWhh, dWhy, dbh, dby],
                                      [self.mWxh, self.mWhh, self.mWhy, self.mbh, self.mby], strict=True):
            mem += dparam * dparam
            param += -self.learning_rate * dparam / np.sqrt(mem + 1e-8)
        self.p += T
        self.n += 1
        return loss


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _sigmoid_output_to_derivative(output):
    return output * (1 - output)


class NaiveSubtraction:
    """The subtraction tutorial; :meth:`step` trains on one random example."""

    def __init__(self, binary_dim: int = 8, hidden_dim: int = 16, alpha: float = 0.9, seed: int = 0):
        self.rs = np.random.RandomState(seed)
        self.binary_dim = binary_dim
        self.largest_number = 2 ** binary_dim
        self.int2binary = {}
        # MSB-first bit rows, like np.unpackbits in the tutorial (any width)
        for i in range(self.largest_number):
            self.int2binary[i] = np.array([(i >> k) & 1 for k in reversed(range(binary_dim))],
                                          dtype=np.uint8)
        self.alpha = alpha
        self.input_dim, self.hidden_dim, self.output_dim = 2, hidden_dim, 1
        self.weight_0 = (2 * self.rs.random_sample((2, hidden_dim)) - 1) * 0.05
        self.weight_1 = (2 * self.rs.random_sample((hidden_dim, 1)) - 1) * 0.05
        self.weight_h = (2 * self.rs.random_sample((hidden_dim, hidden_dim)) - 1) * 0.05
        self.weight_0_update = np.zeros_like(self.weight_0)
        self.weight_1_update = np.zeros_like(self.weight_1)
        self.weight_h_update = np.zeros_like(self.weight_h)
        self.j = 0

    def draw(self):
        a_int = self.rs.randint(self.largest_number)
        b_int = self.rs.randint(self.largest_number // 2)
        if a_int < b_int:
            a_int, b_int = b_int, a_int
        return a_int, b_int

    def train_example(self, a_int: int, b_int: int, update: bool = True):
        """Forward, backward and (if ``update``) the SGD step for one pair.

        Returns ``(overallError, d, updates)`` where ``updates`` are the
        accumulated ``weight_*_update`` arrays (copies) before they are applied.
        """
        dim, hidden_dim = self.binary_dim, self.hidden_dim
        w0, w1, wh = self.weight_0, self.weight_1, self.weight_h
        a = self.int2binary[a_int]
        b = self.int2binary[b_int]
        c_int = a_int - b_int
        c = self.int2binary[c_int]
        d = np.zeros_like(c)
        overallError = 0
        layer_2_deltas = list()
        layer_1_values = list()
        layer_1_values.append(np.ones(hidden_dim) * 0.1)
        for position in range(dim):
            X = np.array([[a[dim - position - 1], b[dim - position - 1]]])
            y = np.array([[c[dim - position - 1]]]).T
            layer_1 = _sigmoid(np.dot(X, w0) + np.dot(layer_1_values[-1], wh))
            layer_2 = _sigmoid(np.dot(layer_1, w1))
            layer_2_error = y - layer_2
            layer_2_deltas.append(layer_2_error * _sigmoid_output_to_derivative(layer_2))
            overallError += np.abs(layer_2_error[0])
            d[dim - position - 1] = np.round(layer_2[0][0])
            layer_1_values.append(layer_1.copy())
        future_layer_1_delta = np.zeros(hidden_dim)
        for position in range(dim):
            X = np.array([[a[position], b[position]]])
            layer_1 = layer_1_values[-position - 1]
            prev_layer_1 = layer_1_values[-position - 2]
            layer_2_delta = layer_2_deltas[-position - 1]
            self.weight_1_update += np.atleast_2d(layer_1).T.dot(layer_2_delta)
            layer_1_delta = (future_layer_1_delta.dot(wh.T)
                             + layer_2_delta.dot(w1.T)) * _sigmoid_output_to_derivative(layer_1)
            self.weight_h_update += np.atleast_2d(prev_layer_1).T.dot(layer_1_delta)
            self.weight_0_update += X.T.dot(layer_1_delta)
            future_layer_1_delta = layer_1_delta
        updates = (self.weight_0_update.copy(), self.weight_1_update.copy(),
                   self.weight_h_update.copy())
        if update:
            self.weight_0 += self.weight_0_update * self.alpha
            self.weight_1 += self.weight_1_update * self.alpha
            self.weight_h += self.weight_h_update * self.alpha
        self.weight_0_update *= 0
        self.weight_1_update *= 0
        self.weight_h_update *= 0
        return overallError, d, updates

    def step(self):
        """One iteration of the tutorial's training loop; returns the total error."""
        err, _, _ = self.train_example(*self.draw())
        self.j += 1
        return err


# ---- self-check against core.model -------------------------------------------

def _selfcheck() -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from rnn_tui.core.model import Spec, loss_and_grads

    # char-LM: same params, one window, carried hprev
    text = (Path(__file__).resolve().parent.parent / "samples" / "tinyshakespeare.txt").read_text()[:5000]
    ref = NaiveCharLM(text, sample_every=0)
    for _ in range(3):
        ref.step()                                        # move off the initial point
    T = ref.seq_length
    inputs = [ref.char_to_ix[ch] for ch in text[ref.p:ref.p + T]]
    targets = [ref.char_to_ix[ch] for ch in text[ref.p + 1:ref.p + T + 1]]
    spec = Spec(input_size=ref.vocab_size, hidden_size=ref.hidden_size, output_size=ref.vocab_size)
    params = {"Wxh": ref.Wxh.copy(), "Whh": ref.Whh.copy(), "bh": ref.bh[:, 0].copy(),
              "Why": ref.Why.copy(), "by": ref.by[:, 0].copy()}
    x = np.array(inputs)[:, None]
    y = np.array(targets)[:, None]
    loss, grads, cache = loss_and_grads(spec, params, x, y, ref.hprev.T[None])
    nloss, dWxh, dWhh, dWhy, dbh, dby, hlast = ref.lossFun(inputs, targets, ref.hprev)
    pairs = {"Wxh": dWxh, "Whh": dWhh, "Why": dWhy, "bh": dbh[:, 0], "by": dby[:, 0]}
    worst = max(float(np.abs(np.clip(grads[k], -5, 5) - v).max()) for k, v in pairs.items())
    print(f"charlm: loss naive {nloss:.6f} core {loss:.6f}; max |dgrad| {worst:.2e}; "
          f"max |dh_last| {float(np.abs(cache.hlast[0, 0] - hlast[:, 0]).max()):.2e}")
    assert abs(nloss - loss) < 1e-9 and worst < 1e-9

    # subtraction: weights transposed, biases zero; tutorial update = -gradient
    from rnn_tui.core.model import Spec as S2
    sub = NaiveSubtraction()
    a_int, b_int = 201, 57
    spec2 = S2(input_size=2, hidden_size=16, output_size=1, activation="sigmoid",
               head="sigmoid_mse", index_input=False)
    params2 = {"Wxh": sub.weight_0.T.copy(), "Whh": sub.weight_h.T.copy(), "bh": np.zeros(16),
               "Why": sub.weight_1.T.copy(), "by": np.zeros(1)}
    from rnn_tui.core.tasks import Subtraction
    batch = Subtraction(8).encode(np.array([a_int]), np.array([b_int]))
    _, g2, _ = loss_and_grads(spec2, params2, batch.x, batch.y, np.full((1, 1, 16), 0.1), batch.mask)
    _, _, (u0, u1, uh) = sub.train_example(a_int, b_int, update=False)
    worst2 = max(float(np.abs(-g2["Wxh"].T - u0).max()), float(np.abs(-g2["Whh"].T - uh).max()),
                 float(np.abs(-g2["Why"].T - u1).max()))
    print(f"subtraction: max |dgrad| {worst2:.2e}")
    assert worst2 < 1e-12
    print("self-check OK")


if __name__ == "__main__":
    _selfcheck()
