"""Find the bug: the loss is computed right, but training makes it worse.

rnn-tui check samples/check/bug_no_dy_minus_1.py --headless
"""

import numpy as np

data = "the quick brown fox jumps over the lazy dog"
chars = sorted(set(data))
vocab_size = len(chars)
hidden_size = 32
Wxh = np.random.randn(hidden_size, vocab_size) * 0.01
Whh = np.random.randn(hidden_size, hidden_size) * 0.01
Why = np.random.randn(vocab_size, hidden_size) * 0.01
bh = np.zeros((hidden_size, 1))
by = np.zeros((vocab_size, 1))


def lossFun(inputs, targets, hprev):
    xs, hs, ys, ps = {}, {}, {}, {}
    hs[-1] = np.copy(hprev)
    loss = 0
    for t in range(len(inputs)):
        xs[t] = np.zeros((vocab_size, 1))
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
        ys[t] = np.dot(Why, hs[t]) + by
        ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t]))
        loss += -np.log(ps[t][targets[t], 0])
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(len(inputs))):
        dy = np.copy(ps[t])                  # gradient of the loss w.r.t. the scores
        dWhy += np.dot(dy, hs[t].T)
        dby += dy
        dh = np.dot(Why.T, dy) + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        dbh += dhraw
        dWxh += np.dot(dhraw, xs[t].T)
        dWhh += np.dot(dhraw, hs[t - 1].T)
        dhnext = np.dot(Whh.T, dhraw)
    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1]

# The bug: the gradient of softmax + cross-entropy with respect to the scores is
# p - onehot(target), and the line `dy[targets[t]] -= 1` that subtracts the one-hot
# is missing. dy = p pushes every score down, the target's too, so nothing tells the
# network which character was right. The check's trace finds dy wrong at the very
# first pass (t = T-1): your dy sums to 1, a probability vector, where p - onehot
# sums to 0. Fix: after dy = np.copy(ps[t]), add dy[targets[t]] -= 1
