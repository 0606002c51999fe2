"""Find the bug: each window starts from scratch, whatever came before.

rnn-tui check samples/check/bug_hprev_ignored.py --headless
"""

import numpy as np

data = "carry the state from one window to the next, carry it on. "
chars = sorted(set(data))
vocab_size, hidden_size = len(chars), 28
Wxh = np.random.randn(hidden_size, vocab_size) * 0.01
Whh = np.random.randn(hidden_size, hidden_size) * 0.01
Why = np.random.randn(vocab_size, hidden_size) * 0.01
bh = np.zeros((hidden_size, 1))
by = np.zeros((vocab_size, 1))


def lossFun(inputs, targets, hprev):
    xs, hs, ps = {}, {}, {}
    hs[-1] = np.zeros((hidden_size, 1))
    loss = 0
    for t in range(len(inputs)):
        xs[t] = np.zeros((vocab_size, 1))
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
        y = np.dot(Why, hs[t]) + by
        ps[t] = np.exp(y) / np.sum(np.exp(y))
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
    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1]

# The bug: `hs[-1] = np.zeros(...)` throws hprev away. The state the previous window
# ended in is the reason lossFun takes hprev at all: without it the network can never
# connect the end of one window with the start of the next. The backward pass is
# right for the forward pass it follows, so the gradient check against your own loss
# passes; it is the forward — loss and h_last — that differs from rnn-tui's, and it
# is exactly the loss from a zero state. Fix: hs[-1] = np.copy(hprev)
