"""Find the bug: the subtraction tutorial's network, with one argument changed.

rnn-tui check samples/check/bug_subtraction_preactivation.py --task subtraction --headless
"""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_output_to_derivative(output):
    return output * (1 - output)


def loss_and_grads(params, inputs, targets, h0):
    Wxh, Whh, bh = params["Wxh"], params["Whh"], params["bh"]
    Why, by = params["Why"], params["by"]
    T, B, _ = inputs.shape
    hs, zs, ps = {-1: h0[0]}, {}, {}
    loss = 0.0
    for t in range(T):
        zs[t] = inputs[t] @ Wxh.T + hs[t - 1] @ Whh.T + bh
        hs[t] = sigmoid(zs[t])
        ps[t] = sigmoid(hs[t] @ Why.T + by)
        loss += 0.5 * np.sum((ps[t] - targets[t]) ** 2) / B
    grads = {name: np.zeros_like(w) for name, w in params.items()}
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(T)):
        dy = (ps[t] - targets[t]) * sigmoid_output_to_derivative(ps[t]) / B
        grads["Why"] += dy.T @ hs[t]
        grads["by"] += dy.sum(axis=0)
        dh = dy @ Why + dhnext
        dhraw = sigmoid_output_to_derivative(zs[t]) * dh
        grads["bh"] += dhraw.sum(axis=0)
        grads["Wxh"] += dhraw.T @ inputs[t]
        grads["Whh"] += dhraw.T @ hs[t - 1]
        dhnext = dhraw @ Whh
    return loss, grads, hs[T - 1][None]

# The bug: `sigmoid_output_to_derivative(zs[t])`. The tutorial's helper takes the
# sigmoid's *output*: h (1 - h) is the derivative written in terms of h = sigmoid(z).
# Two lines above, dy passes it ps[t], an output, correctly; for the hidden layer it
# gets zs[t], the value before the sigmoid. The check's trace finds dhraw wrong at
# the last bit, t = 7. Fix: dhraw = sigmoid_output_to_derivative(hs[t]) * dh
