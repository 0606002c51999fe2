"""The recurrent cell: what one layer computes at one timestep.

Dimensions: N rows (``T·B`` for a whole sequence, ``B`` for one timestep, 1 for a
sample), D input width, H hidden units.

The cell is the seam between the sequence machinery and the math of one step.
:func:`rnn_tui.core.model.forward` asks the cell for the input term of every timestep
at once (it has no recurrence), then :meth:`RNNCell.run` steps through the timesteps;
:class:`~rnn_tui.core.model.BPTT` calls :meth:`RNNCell.backward_run` (one layer) or
:meth:`RNNCell.backward_step` (each of several, timestep by timestep); sampling and
the forward step-through call the same methods on one row.  Nothing else knows the
cell's formula, so another cell (an LSTM, a GRU) would plug in here without touching
the trainer or the app.
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``1 / (1 + exp(-z))``, written to stay finite for large ``|z|``."""
    out = np.negative(z, out=out)
    np.exp(out, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


class RNNCell:
    """The vanilla cell ``h_t = f(Wxh x_t + Whh h_{t-1} + bh)``, ``f`` tanh or sigmoid.

    States are batch-rowed, ``(N, H)``, so ``Whh h_{t-1}`` is ``h_{t-1} @ Whhᵀ``.
    """

    def __init__(self, activation: str = "tanh"):
        self.activation = activation
        self.f = np.tanh if activation == "tanh" else sigmoid

    @staticmethod
    def inputs(Wxh: np.ndarray, bh: np.ndarray | None, x: np.ndarray, index_input: bool,
               out: np.ndarray | None = None) -> np.ndarray:
        """``Wxh x + bh`` for every row of ``x`` at once, ``(N, H)`` (no bias if ``bh`` is None).

        ``x`` is ``(N,)`` symbol indices when ``index_input``, else ``(N, D)``.  For an
        index, ``Wxh onehot(x)`` is column ``x`` of ``Wxh``: a gather, never a product
        with a one-hot vector.
        """
        if index_input:
            if out is None:
                out = np.empty((x.shape[0], Wxh.shape[0]), dtype=np.result_type(Wxh, bh if bh is not None else Wxh))
            if bh is None:
                np.copyto(out, Wxh[:, x].T)
            elif x.shape[0] < Wxh.shape[1]:                     # fewer inputs than symbols:
                np.add(Wxh[:, x].T, bh, out=out)                # take just their columns
            else:                                               # else rows of Wxhᵀ + bh
                table = np.add(Wxh.T, bh)
                # mode="clip" (indices are valid symbols) lets take write straight to out
                np.take(table, x, axis=0, out=out, mode="clip")
            return out
        out = np.dot(x, Wxh.T, out=out)                         # (N, H); np.dot: a cheaper call than matmul
        if bh is not None:
            out += bh
        return out

    @staticmethod
    def recurrent(h_prev: np.ndarray, WhhT: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``Whh h_{t-1}``, ``(N, H)``."""
        return np.dot(h_prev, WhhT, out=out)

    def step(self, a_t: np.ndarray, h_prev: np.ndarray, WhhT: np.ndarray, out: np.ndarray,
             tmp: np.ndarray) -> np.ndarray:
        """One timestep.  ``a_t`` holds ``Wxh x_t + bh`` and becomes ``hraw_t``; ``out``
        receives ``h_t = f(hraw_t)`` (it may be ``h_prev`` itself); ``tmp`` is scratch."""
        # + Whh h_{t-1}: recurrent() written out, as a call more per timestep would
        # cost 5% of the recurrence at B = 1 (the method h.dot: np.dot minus its dispatch)
        a_t += h_prev.dot(WhhT, out=tmp)
        return self.f(a_t, out=out)

    def run(self, a_rows, hprev_rows, h_rows, WhhT: np.ndarray, tmp: np.ndarray) -> None:
        """:meth:`step` on every timestep of one layer in turn (lists of ``(N, H)`` rows):
        the forward's recurrence.  Its two lines are step's, written out: a call less
        per timestep."""
        f = self.f
        for a_t, h_prev, h_t in zip(a_rows, hprev_rows, h_rows):
            a_t += h_prev.dot(WhhT, out=tmp)                    # hraw_t = Wxh x_t + bh + Whh h_{t-1}
            f(a_t, out=h_t)                                     # h_t = f(hraw_t)

    def grad(self, h: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``f'(z)`` written in terms of ``h = f(z)``: ``1 - h²`` (tanh), ``h (1 - h)`` (sigmoid)."""
        if self.activation == "tanh":
            d = np.multiply(h, h, out=out)
            return np.subtract(1.0, d, out=d)
        d = np.subtract(1.0, h, out=out)
        d *= h
        return d

    @staticmethod
    def backward_step(dact_t: np.ndarray, dh: np.ndarray, Whh: np.ndarray, dhraw: np.ndarray,
                      dhnext: np.ndarray) -> None:
        """One timestep back: ``dhraw_t = f'(h_t) ⊙ dh_t`` and ``dhnext = Whhᵀ dhraw_t``
        (what reaches ``t − 1``), both written into the arrays given."""
        np.multiply(dact_t, dh, out=dhraw)
        dhraw.dot(Whh, out=dhnext)

    @staticmethod
    def backward_run(dact_rows, dh_rows, dhraw_rows, Whh: np.ndarray, dhnext: np.ndarray) -> None:
        """:meth:`backward_step` on consecutive timesteps of a network's only layer,
        latest first (lists of ``(N, H)`` rows; each ``dh_t`` holds ``dh_out_t``):
        BPTT's recurrence.  Its lines are BPTT's and backward_step's, written out:
        a call less per timestep."""
        for dact_t, dh, dhraw in zip(dact_rows, dh_rows, dhraw_rows):
            dh += dhnext                                        # dh_t = dh_out_t + dhnext
            np.multiply(dact_t, dh, out=dhraw)                  # dhraw_t = f'(h_t) ⊙ dh_t
            dhraw.dot(Whh, out=dhnext)                          # dhnext = Whhᵀ dhraw_t


CELLS = {"rnn": RNNCell}
"""Cell name -> class (``Spec.cell`` picks one)."""
