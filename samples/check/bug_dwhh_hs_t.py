"""Find the bug: an index that is easy to get wrong by one.

rnn-tui check samples/check/bug_dwhh_hs_t.py --headless
"""

import numpy as np

with open("../hello.txt", encoding="utf-8") as f:      # read relative to this folder
    text = f.read()
chars = sorted(set(text))
vocab_size, hidden_size = len(chars), 10
Wxh = np.random.randn(hidden_size, vocab_size) * 0.01
Whh = np.random.randn(hidden_size, hidden_size) * 0.01
Why = np.random.randn(vocab_size, hidden_size) * 0.01
bh, by = np.zeros((hidden_size, 1)), np.zeros((vocab_size, 1))


def lossFun(inputs, targets, hprev):
    xs, hs, ps = {}, {}, {}
    hs[-1] = np.copy(hprev)
    loss = 0
    for t in range(len(inputs)):
        xs[t] = np.zeros((vocab_size, 1))
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)
        y = Why @ hs[t] + by
        ps[t] = np.exp(y) / np.exp(y).sum()
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
        dhraw = (1 - hs[t] * hs[t]) * dh
        dbh += dhraw
        dWxh += dhraw @ xs[t].T
        dWhh += dhraw @ hs[t].T
        dhnext = Whh.T @ dhraw
    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1]

# The bug: `dWhh += dhraw @ hs[t].T`. In the forward pass Whh multiplies the
# *previous* state, hs[t-1], so that is what its gradient pairs with dhraw — the
# line above it, dWhy += dy @ hs[t].T, is right because Why multiplies hs[t], and it
# is easy to copy. Every traced delta is right (the trace agrees everywhere); only
# the sum into dWhh is wrong, already for one timestep. Fix: dWhh += dhraw @ hs[t-1].T
