"""Find the bug: the loss goes down, but the network never learns to remember.

rnn-tui check samples/check/bug_dhnext_stale.py --headless
"""

import numpy as np

text = "abcabcabdabcabcabd"
chars = sorted(set(text))
vocab_size = len(chars)
hidden_size = 20

rng = np.random.default_rng(1)
Wxh = rng.normal(0, 0.01, (hidden_size, vocab_size))
Whh = rng.normal(0, 0.01, (hidden_size, hidden_size))
Why = rng.normal(0, 0.01, (vocab_size, hidden_size))
bh = np.zeros((hidden_size, 1))
by = np.zeros((vocab_size, 1))


def lossFun(inputs, targets, hprev):
    n = len(inputs)
    xs, hs, ps = {}, {-1: hprev.copy()}, {}
    loss = 0.0
    for t in range(n):
        xs[t] = np.zeros((vocab_size, 1))
        xs[t][inputs[t]] = 1.0
        hs[t] = np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)
        y = Why @ hs[t] + by
        ps[t] = np.exp(y - y.max()) / np.exp(y - y.max()).sum()
        loss -= np.log(ps[t][targets[t], 0])

    dWxh = np.zeros_like(Wxh)
    dWhh = np.zeros_like(Whh)
    dWhy = np.zeros_like(Why)
    dbh = np.zeros_like(bh)
    dby = np.zeros_like(by)
    dhnext = np.zeros((hidden_size, 1))
    for t in reversed(range(n)):
        dy = ps[t].copy()
        dy[targets[t]] -= 1.0
        dWhy += dy @ hs[t].T
        dby += dy
        dh = Why.T @ dy + dhnext
        dhraw = (1.0 - hs[t] ** 2) * dh
        dbh += dhraw
        dWxh += dhraw @ xs[t].T
        dWhh += dhraw @ hs[t - 1].T
        dh_next = Whh.T @ dhraw
    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[n - 1]

# The bug: the last line of the loop assigns `dh_next`, a new name, so `dhnext`
# stays the zeros it started as. `dh = Why.T @ dy + dhnext` looks right, but it adds
# zero at every timestep: no gradient ever flows from t+1 back to t. The check's
# trace shows it directly: your dhnext is zero at every t (and a linter such as pyflakes
# notices that dh_next is assigned but never used). Fix: dhnext = Whh.T @ dhraw
