"""Looking at single hidden units of a character model (Karpathy, Johnson & Fei-Fei,
"Visualizing and Understanding Recurrent Networks"): each unit's activation over a
stretch of real text and over a fresh sample, and which units follow simple
features of the text.

Dimensions: N characters, H hidden units (top layer).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnn_tui.core.model import forward
from rnn_tui.core.sampling import sample

FEATURES = {
    "space": lambda c: c == " ",
    "newline": lambda c: c == "\n",
    "quote": lambda c: c in "'\"“”‘’「」『』",
    "vowel": lambda c: c.lower() in "aeiou",
    "upper": lambda c: c.isupper(),
    "punctuation": lambda c: c in ".,;:!?，。；：！？、",
}


@dataclass(frozen=True)
class NeuronReport:
    """Activations of the top layer and feature correlations.

    Attributes:
        text: the stretch of training text read, ``N`` characters.
        acts: ``(N, H)`` activation after reading each character of ``text``.
        sample: a fresh sample continuing ``text`` (primed with all of it); ``sample_acts``
            its ``(n, H)`` activations.
        top: feature name -> list of ``(unit, r)``, the units whose activation
            correlates most (by |r|) with that feature; features absent from the
            text are left out.
        activation: ``"tanh"`` or ``"sigmoid"``.
    """

    text: str
    acts: np.ndarray
    sample: str
    sample_acts: np.ndarray
    top: dict
    activation: str
    temperature: float = 1.0

    def best_unit(self) -> tuple[int, str, float] | None:
        """``(unit, feature, r)``: the unit that follows one of the features most
        closely (the largest ``|r|`` in :attr:`top`), or None when the text has none
        of the features.  The neuron view opens on it."""
        found = [(abs(r), -u, name, r) for name, units in self.top.items() for u, r in units
                 if np.isfinite(r)]
        if not found:
            return None
        _, u, name, r = max(found)
        return -u, name, r


def correlations(text: str, acts: np.ndarray, k: int = 5) -> dict[str, list[tuple[int, float]]]:
    """Pearson r between each unit and each feature; the ``k`` strongest per feature."""
    out = {}
    a = acts - acts.mean(axis=0)
    sa = np.sqrt((a * a).sum(axis=0))
    for name, fn in FEATURES.items():
        f = np.array([fn(c) for c in text], dtype=float)
        if f.min() == f.max():
            continue
        f -= f.mean()
        r = (a * f[:, None]).sum(axis=0) / (sa * np.sqrt((f * f).sum()) + 1e-12)
        best = np.argsort(-np.abs(r))[:k]
        out[name] = [(int(u), float(r[u])) for u in best]
    return out


def neuron_report(trainer, n: int = 600, sample_len: int = 300, draw: int = 0) -> NeuronReport:
    """Run the model over the next ``n`` characters of stream 0 (from a zero state,
    without changing the trainer) and sample ``sample_len`` characters that continue
    them: from the state after the last one, fed that character, at the Text panel's
    temperature (a sample from a zero state is mostly noise).  ``draw`` numbers the
    samples taken at one iteration (each gets its own)."""
    task = trainer.task
    spec, params = trainer.spec, trainer.params
    data = task.data
    start = int(task.starts[0] + task.pos) if hasattr(task, "starts") else 0
    n = max(2, min(n, len(data) - 1))
    if start + n + 1 > len(data):
        start = max(0, len(data) - n - 1)
    x = data[start:start + n][:, None]
    y = data[start + 1:start + n + 1][:, None]
    h0 = np.zeros((spec.layers, 1, spec.hidden_size))
    with np.errstate(all="ignore"):
        cache = forward(spec, params, x, y, h0)
    acts = np.array(cache.h[-1, :, 0])                      # (N, H)
    text = task.decode(x[:, 0])
    rng = np.random.default_rng([trainer.config.seed, 2, trainer.iteration, draw])
    # the state before the text's last character, fed that character: the sample then
    # goes on right where the text shown ends
    ixs, states = sample(spec, params, cache.h[:, -2, 0], int(x[-1, 0]), sample_len, rng,
                         temperature=trainer.config.temperature, top_k=trainer.config.top_k)
    return NeuronReport(text=text, acts=acts, sample=task.decode(ixs), sample_acts=states[:, -1],
                        top=correlations(text, acts), activation=spec.activation,
                        temperature=trainer.config.temperature)
