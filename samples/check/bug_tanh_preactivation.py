"""Find the bug: this learner kept the pre-activations "to make backprop easier".

rnn-tui check samples/check/bug_tanh_preactivation.py --headless
"""

import numpy as np

vocab_size = 12            # a toy vocabulary: symbols 0..11
hidden_size = 16
Wxh = np.random.randn(hidden_size, vocab_size) * 0.01
Whh = np.random.randn(hidden_size, hidden_size) * 0.01
Why = np.random.randn(vocab_size, hidden_size) * 0.01
bh = np.zeros((hidden_size, 1))
by = np.zeros((vocab_size, 1))


def lossFun(inputs, targets, hprev):
    xs, zs, hs, ps = {}, {}, {}, {}
    hs[-1] = np.copy(hprev)
    loss = 0.0
    for t in range(len(inputs)):
        xs[t] = np.zeros((vocab_size, 1))
        xs[t][inputs[t]] = 1
        zs[t] = np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh     # pre-activation
        hs[t] = np.tanh(zs[t])
        o = np.dot(Why, hs[t]) + by
        ps[t] = np.exp(o - o.max()) / np.sum(np.exp(o - o.max()))
        loss -= np.log(ps[t][targets[t], 0])
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(len(inputs))):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1
        dWhy += np.dot(dy, hs[t].T)
        dby += dy
        dh = np.dot(Why.T, dy) + dhnext
        dhraw = (1 - zs[t] ** 2) * dh       # derivative of tanh at z
        dbh += dhraw
        dWxh += np.dot(dhraw, xs[t].T)
        dWhh += np.dot(dhraw, hs[t - 1].T)
        dhnext = np.dot(Whh.T, dhraw)
    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1]

# The bug: `1 - zs[t] ** 2`. The derivative of tanh at z is 1 - tanh(z)², which is
# 1 - h²: the formula is written in terms of the *output* h = tanh(z), so it must be
# given hs[t], not the pre-activation zs[t]. Near 0 the two are almost equal (tanh(z)
# ≈ z), which is why a check on tiny weights passes; rnn-tui's weights are large
# enough for the difference to show in dhraw at the last timestep.
# Fix: dhraw = (1 - hs[t] ** 2) * dh    (or 1 - np.tanh(zs[t]) ** 2)
