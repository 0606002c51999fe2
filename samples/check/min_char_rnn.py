"""A character-level RNN in the style of min-char-rnn, written for `rnn-tui check`.

Check it:   rnn-tui check samples/check/min_char_rnn.py --headless
Train it:   python samples/check/min_char_rnn.py

The contract `rnn-tui check` relies on (see README.md next to this file):
  * `lossFun(inputs, targets, hprev)` is defined at module level;
  * it reads the weights from the module globals Wxh, Whh, Why, bh, by
    (rnn-tui sets fresh copies of its own weights there before every call);
  * it returns loss, dWxh, dWhh, dWhy, dbh, dby and the last hidden state;
  * importing the file does not train: the training loop is under
    `if __name__ == '__main__':`.

Every vector is a column, as in min-char-rnn: x (V, 1), h (H, 1), y (V, 1).
"""

import numpy as np

# The text is read when the file is imported, relative to this file's folder
# (rnn-tui check imports it with that folder as the working directory).
with open("../tiny.txt", encoding="utf-8") as f:
    text = f.read()
chars = sorted(set(text))
vocab_size = len(chars)
char_to_ix = {c: i for i, c in enumerate(chars)}
ix_to_char = {i: c for i, c in enumerate(chars)}

hidden_size = 32
seq_length = 16
learning_rate = 0.1

rng = np.random.default_rng(7)
Wxh = rng.standard_normal((hidden_size, vocab_size)) * 0.01    # input -> hidden
Whh = rng.standard_normal((hidden_size, hidden_size)) * 0.01   # hidden -> hidden
Why = rng.standard_normal((vocab_size, hidden_size)) * 0.01    # hidden -> output
bh = np.zeros((hidden_size, 1))
by = np.zeros((vocab_size, 1))


def lossFun(inputs, targets, hprev):
    """Cross-entropy of the next character over one window, and its gradients.

    inputs, targets: lists of character indices (targets[t] follows inputs[t]).
    hprev: (H, 1) hidden state carried in from the previous window.
    """
    T = len(inputs)
    xs, hs, ps = {}, {}, {}
    hs[-1] = np.copy(hprev)
    loss = 0.0
    for t in range(T):
        xs[t] = np.zeros((vocab_size, 1))
        xs[t][inputs[t]] = 1.0
        hs[t] = np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)
        scores = Why @ hs[t] + by
        e = np.exp(scores - np.max(scores))
        ps[t] = e / np.sum(e)
        loss -= np.log(ps[t][targets[t], 0])

    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(T)):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1.0               # softmax + cross-entropy: p - onehot(target)
        dWhy += dy @ hs[t].T
        dby += dy
        dh = Why.T @ dy + dhnext            # from the output, and from t + 1
        dhraw = (1.0 - hs[t] * hs[t]) * dh  # through tanh: 1 - h^2
        dbh += dhraw
        dWxh += dhraw @ xs[t].T
        dWhh += dhraw @ hs[t - 1].T
        dhnext = Whh.T @ dhraw              # carried back to t - 1
    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[T - 1]


def sample(h, seed_ix, n):
    """n characters drawn from the model, starting from state h and character seed_ix."""
    x = np.zeros((vocab_size, 1))
    x[seed_ix] = 1.0
    out = []
    for _ in range(n):
        h = np.tanh(Wxh @ x + Whh @ h + bh)
        p = np.exp(Why @ h + by)
        p /= np.sum(p)
        ix = rng.choice(vocab_size, p=p.ravel())
        x = np.zeros((vocab_size, 1))
        x[ix] = 1.0
        out.append(ix)
    return "".join(ix_to_char[i] for i in out)


if __name__ == "__main__":
    memory = [np.zeros_like(w) for w in (Wxh, Whh, Why, bh, by)]   # Adagrad's sums
    p, hprev = 0, np.zeros((hidden_size, 1))
    for n in range(2001):
        if p + seq_length + 1 >= len(text):
            p, hprev = 0, np.zeros((hidden_size, 1))
        inputs = [char_to_ix[c] for c in text[p:p + seq_length]]
        targets = [char_to_ix[c] for c in text[p + 1:p + seq_length + 1]]
        loss, *grads, hprev = lossFun(inputs, targets, hprev)
        for w, g, m in zip((Wxh, Whh, Why, bh, by), grads, memory):
            np.clip(g, -5, 5, out=g)        # clipping lives here, in training, not in lossFun
            m += g * g
            w -= learning_rate * g / np.sqrt(m + 1e-8)
        if n % 500 == 0:
            print(f"iter {n}, loss {loss:.3f}: {sample(hprev, inputs[0], 40)!r}")
        p += seq_length
