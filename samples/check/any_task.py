"""`loss_and_grads` for every rnn-tui task, any number of layers, any batch.

rnn-tui check samples/check/any_task.py --headless                      (charlm)
rnn-tui check samples/check/any_task.py --task stack --headless         (2 layers, batch 8)
rnn-tui check samples/check/any_task.py --task echo --layers 3 --batch 5 --headless

Every array is rnn-tui's: time first, one row per example (see README.md here).
The task decides the pieces (`rnn-tui check` tells the function nothing else, so
this file works them out from the shapes it is given):
    inputs  (T, B) symbol indices (charlm, echo, hello) or (T, B, D) floats
    targets (T, B) indices -> softmax + cross-entropy
            (T, B, 1) bits -> sigmoid + ½ squared error (subtraction, sigmoid units)
            (T, B, V) floats -> linear + ½ squared error, last two steps only (stack)
The loss is summed over time and averaged over the batch.
"""

import numpy as np


def layer_names(L):
    return [("Wxh", "Whh", "bh")] if L == 1 else [(f"Wxh{l}", f"Whh{l}", f"bh{l}") for l in range(L)]


def loss_and_grads(params, inputs, targets, h0):
    L, B, H = h0.shape
    T = inputs.shape[0]
    names = layer_names(L)
    index_inputs = inputs.ndim == 2
    if targets.ndim == 2:
        head = "softmax"
    elif targets.shape[2] == 1:
        head = "sigmoid"                    # subtraction: sigmoid everywhere
    else:
        head = "linear"                     # stack: the last two steps count
    act = (lambda z: 1 / (1 + np.exp(-z))) if head == "sigmoid" else np.tanh
    weight = np.zeros(T) if head == "linear" else np.ones(T)
    if head == "linear":
        weight[-2:] = 1

    # forward: h[l][t] is (B, H), h[l][-1] the state carried in
    h = [{-1: h0[l]} for l in range(L)]
    for t in range(T):
        below = None
        for l, (wxh, whh, bh) in enumerate(names):
            if l == 0:
                xin = params[wxh][:, inputs[t]].T if index_inputs else inputs[t] @ params[wxh].T
            else:
                xin = below @ params[wxh].T
            h[l][t] = act(xin + h[l][t - 1] @ params[whh].T + params[bh])
            below = h[l][t]
    top = h[L - 1]
    out = np.stack([top[t] @ params["Why"].T + params["by"] for t in range(T)])    # (T, B, V)
    if head == "softmax":
        e = np.exp(out - out.max(axis=2, keepdims=True))
        p = e / e.sum(axis=2, keepdims=True)
        picked = np.take_along_axis(p, targets[:, :, None], axis=2)[:, :, 0]        # (T, B)
        loss = -np.log(picked).sum() / B
        dout = p.copy()
        np.put_along_axis(dout, targets[:, :, None], np.take_along_axis(dout, targets[:, :, None], 2) - 1, 2)
        dout /= B
    elif head == "sigmoid":
        p = 1 / (1 + np.exp(-out))
        loss = 0.5 * np.sum((p - targets) ** 2) / B
        dout = (p - targets) * p * (1 - p) / B
    else:
        err = (out - targets) * weight[:, None, None]
        loss = 0.5 * np.sum(err * (out - targets)) / B
        dout = err / B

    # backward, top layer first at each timestep
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dhnext = [np.zeros((B, H)) for _ in range(L)]
    for t in reversed(range(T)):
        dy = dout[t]
        grads["Why"] += dy.T @ top[t]
        grads["by"] += dy.sum(axis=0)
        from_above = dy @ params["Why"]
        for l in reversed(range(L)):
            wxh, whh, bh = names[l]
            dh = from_above + dhnext[l]
            hl = h[l][t]
            dhraw = (hl * (1 - hl) if head == "sigmoid" else 1 - hl * hl) * dh
            grads[bh] += dhraw.sum(axis=0)
            if l == 0 and index_inputs:
                np.add.at(grads[wxh].T, inputs[t], dhraw)
            else:
                xin = inputs[t] if l == 0 else h[l - 1][t]
                grads[wxh] += dhraw.T @ xin
            grads[whh] += dhraw.T @ h[l][t - 1]
            dhnext[l] = dhraw @ params[whh]
            from_above = dhraw @ params[wxh]
    h_last = np.stack([h[l][T - 1] for l in range(L)])                             # (L, B, H)
    return loss, grads, h_last
