"""Find the bug: the biases barely learn.

rnn-tui check samples/check/bug_bias_not_accumulated.py --headless
"""

import numpy as np

data = "one two three four five six seven eight nine ten "
chars = sorted(set(data))
vocab_size, hidden_size = len(chars), 25
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
        hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
        y = np.dot(Why, hs[t]) + by
        ps[t] = np.exp(y) / np.sum(np.exp(y))
        loss += -np.log(ps[t][targets[t], 0])
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(len(inputs))):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1
        dWhy += np.dot(dy, hs[t].T)
        dby = dy
        dh = np.dot(Why.T, dy) + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        dbh = dhraw
        dWxh += np.dot(dhraw, xs[t].T)
        dWhh += np.dot(dhraw, hs[t - 1].T)
        dhnext = np.dot(Whh.T, dhraw)
    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1]

# The bug: `dby = dy` and `dbh = dhraw` assign where the weights' lines add. A bias
# is used at every timestep, so its gradient is a sum over t, like every weight's;
# here each pass overwrites the last, and what is returned is the share of t = 0
# alone. For a sequence of one step that *is* the sum, so the check passes at
# length 1 and fails from 2, in dbh and dby only.
# Fix: dbh, dby = np.zeros_like(bh), np.zeros_like(by) before the loop, then
# dby += dy and dbh += dhraw.
