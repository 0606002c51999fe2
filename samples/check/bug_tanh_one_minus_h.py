"""Find the bug: a line that looks like the chain rule, one character short.

rnn-tui check samples/check/bug_tanh_one_minus_h.py --headless
"""

import numpy as np

text = open(__file__, encoding="utf-8").read()[:400]    # any text will do
chars = sorted(set(text))
vocab_size = len(chars)
hidden_size = 40
Wxh = np.random.randn(hidden_size, vocab_size) * 0.01
Whh = np.random.randn(hidden_size, hidden_size) * 0.01
Why = np.random.randn(vocab_size, hidden_size) * 0.01
bh = np.zeros((hidden_size, 1))
by = np.zeros((vocab_size, 1))


def lossFun(inputs, targets, hprev):
    xs, hs, ps = {}, {}, {}
    hs[-1] = np.copy(hprev)
    loss = 0
    for t in range(len(inputs)):
        xs[t] = np.zeros((vocab_size, 1))
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)
        y = Why @ hs[t] + by
        ps[t] = np.exp(y) / np.sum(np.exp(y))
        loss += -np.log(ps[t][targets[t], 0])
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(len(inputs))):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1
        dWhy += dy @ hs[t].T
        dby += dy
        dh = Why.T @ dy + dhnext
        dhraw = (1 - hs[t]) * dh           # backprop through tanh
        dbh += dhraw
        dWxh += dhraw @ xs[t].T
        dWhh += dhraw @ hs[t - 1].T
        dhnext = Whh.T @ dhraw
    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1]

# The bug: the tanh derivative is 1 - h², not 1 - h. With min-char-rnn's tiny
# starting weights h stays near 0, where both are close to 1, so training even seems
# to work at first; with real weights (and with rnn-tui's, which are scaled so that
# tanh bends) dhraw is wrong from the very last timestep on. The check's trace
# points at dhraw at t = T-1. Fix: dhraw = (1 - hs[t] * hs[t]) * dh
