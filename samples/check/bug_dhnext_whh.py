"""Find the bug: every line of the backward pass has a counterpart in the forward one.

rnn-tui check samples/check/bug_dhnext_whh.py --headless
"""

import numpy as np

np.random.seed(3)
text = "to be or not to be, that is the question"
chars = sorted(set(text))
vocab_size, hidden_size = len(chars), 30
Wxh = np.random.randn(hidden_size, vocab_size) * 0.01
Whh = np.random.randn(hidden_size, hidden_size) * 0.01
Why = np.random.randn(vocab_size, hidden_size) * 0.01
bh, by = np.zeros((hidden_size, 1)), np.zeros((vocab_size, 1))


def softmax(v):
    e = np.exp(v - np.max(v))
    return e / np.sum(e)


def lossFun(inputs, targets, hprev):
    xs, hs, ps = {}, {}, {}
    hs[-1] = np.copy(hprev)
    loss = 0.0
    for t, ix in enumerate(inputs):
        xs[t] = np.zeros((vocab_size, 1))
        xs[t][ix] = 1
        hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
        ps[t] = softmax(np.dot(Why, hs[t]) + by)
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
        dhnext = np.dot(Whh, dhraw)
    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1]

# The bug: `dhnext = np.dot(Whh, dhraw)`. The forward pass multiplies hs[t-1] by Whh;
# the gradient goes back through the transpose, Whh.T. dh, dhraw and every sum are
# right at the last timestep, and dhnext is the first value that is wrong — the
# check's trace stops there, at t = T-1. Fix: dhnext = np.dot(Whh.T, dhraw)
