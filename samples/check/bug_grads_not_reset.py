"""Find the bug: the first gradient check passes, training blows up anyway.

rnn-tui check samples/check/bug_grads_not_reset.py --headless
"""

import numpy as np

text = "ab" * 20 + "ba" * 20
chars = sorted(set(text))
vocab_size, hidden_size = len(chars), 12
Wxh = np.random.randn(hidden_size, vocab_size) * 0.01
Whh = np.random.randn(hidden_size, hidden_size) * 0.01
Why = np.random.randn(vocab_size, hidden_size) * 0.01
bh = np.zeros((hidden_size, 1))
by = np.zeros((vocab_size, 1))

# allocated once instead of at every call: lossFun runs thousands of times
grad = {"Wxh": np.zeros_like(Wxh), "Whh": np.zeros_like(Whh), "Why": np.zeros_like(Why),
        "bh": np.zeros_like(bh), "by": np.zeros_like(by)}


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
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(len(inputs))):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1
        grad["Why"] += np.dot(dy, hs[t].T)
        grad["by"] += dy
        dh = np.dot(Why.T, dy) + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        grad["bh"] += dhraw
        grad["Wxh"] += np.dot(dhraw, xs[t].T)
        grad["Whh"] += np.dot(dhraw, hs[t - 1].T)
        dhnext = np.dot(Whh.T, dhraw)
    return loss, grad["Wxh"], grad["Whh"], grad["Why"], grad["bh"], grad["by"], hs[len(inputs) - 1]

# The bug: the gradient arrays are made once, at import, and lossFun only ever adds
# to them. The first call returns the right gradients; the second returns the first
# call's plus its own, the third all three, and so on: the updates grow with every
# iteration. Every value inside the loop is right (the trace agrees everywhere);
# calling twice with the same arguments shows the sums doubling.
# Fix: start every call with fresh zeros, dWxh = np.zeros_like(Wxh), … (or
# grad[k].fill(0) at the top of lossFun).
