"""Binary subtraction a - b, bit by bit, with `loss_and_grads` for `rnn-tui check`.

Check it:   rnn-tui check samples/check/subtraction.py --task subtraction --headless
            (add --batch 4 to check it on a batch of four subtractions)
Train it:   python samples/check/subtraction.py

The network of the subtraction tutorial: the bits of a and b go in least
significant first, x_t = [a_t, b_t]; a sigmoid hidden layer carries the borrow; a
sigmoid output gives bit t of a - b, trained on ½ squared error.

Arrays follow rnn-tui's layout (see README.md next to this file): time first, one
row per example of the batch.
    params  Wxh (H, 2), Whh (H, H), bh (H,), Why (1, H), by (1,)
    inputs  (T, B, 2) bits as floats      targets (T, B, 1)
    h0      (1, B, H) the state before t = 0 (one layer)
The loss is summed over time and averaged over the batch, so dy carries a 1/B.
"""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def loss_and_grads(params, inputs, targets, h0):
    """½ squared error of the output bits, its gradient for every parameter, and the last state."""
    Wxh, Whh, bh, Why, by = (params[k] for k in ("Wxh", "Whh", "bh", "Why", "by"))
    T, B = inputs.shape[0], inputs.shape[1]
    hs = {-1: h0[0]}                                     # (B, H) per timestep
    ps = {}
    loss = 0.0
    for t in range(T):
        hs[t] = sigmoid(inputs[t] @ Wxh.T + hs[t - 1] @ Whh.T + bh)
        ps[t] = sigmoid(hs[t] @ Why.T + by)              # (B, 1): the probability that bit t is 1
        loss += 0.5 * np.sum((ps[t] - targets[t]) ** 2) / B

    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(T)):
        dy = (ps[t] - targets[t]) * ps[t] * (1 - ps[t]) / B    # through the output sigmoid
        grads["Why"] += dy.T @ hs[t]
        grads["by"] += dy.sum(axis=0)
        dh = dy @ Why + dhnext                           # Why.T dy, written for rows
        dhraw = hs[t] * (1 - hs[t]) * dh                 # through the hidden sigmoid: h (1 - h)
        grads["bh"] += dhraw.sum(axis=0)
        grads["Wxh"] += dhraw.T @ inputs[t]
        grads["Whh"] += dhraw.T @ hs[t - 1]
        dhnext = dhraw @ Whh                             # Whh.T dhraw, written for rows
    return loss, grads, hs[T - 1][None]


def bits(n, width):
    """The bits of n, least significant first."""
    return np.array([(n >> i) & 1 for i in range(width)], dtype=float)


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    H, width, lr = 16, 8, 0.9
    params = {"Wxh": rng.uniform(-0.05, 0.05, (H, 2)), "Whh": rng.uniform(-0.05, 0.05, (H, H)),
              "bh": np.zeros(H), "Why": rng.uniform(-0.05, 0.05, (1, H)), "by": np.zeros(1)}
    right = 0
    for n in range(1, 20001):
        a, b = rng.integers(0, 2 ** width), rng.integers(0, 2 ** (width - 1))
        a, b = max(a, b), min(a, b)
        x = np.stack([bits(a, width), bits(b, width)], axis=1)[:, None, :]   # (T, 1, 2)
        y = bits(a - b, width)[:, None, None]                                # (T, 1, 1)
        loss, grads, _ = loss_and_grads(params, x, y, np.full((1, 1, H), 0.1))
        for k in params:
            params[k] -= lr * grads[k]
        hs = {-1: np.full((1, H), 0.1)}
        out = []
        for t in range(width):
            hs[t] = sigmoid(x[t] @ params["Wxh"].T + hs[t - 1] @ params["Whh"].T + params["bh"])
            out.append(int(sigmoid(hs[t] @ params["Why"].T + params["by"])[0, 0] > 0.5))
        right += out == list(y[:, 0, 0].astype(int))
        if n % 4000 == 0:
            print(f"{n} examples: {a} - {b} = {a - b}, predicted bits {out[::-1]}, "
                  f"{right / 4000:.0%} right of the last 4000")
            right = 0
