"""Character-level language models: any UTF-8 text (min-char-rnn), and "hello"."""

from __future__ import annotations

import math

import numpy as np

from rnn_tui.core.tasks.base import Batch, SampleStart, Task, TaskError


def _fingerprint(vocab: str, data: np.ndarray) -> str:
    """A short hash of the text (its symbols and their order): a checkpoint keeps it,
    so that resuming on another text with the same symbols can be told."""
    import hashlib

    h = hashlib.blake2b(vocab.encode("utf-8"), digest_size=12)
    for i in range(0, len(data), 1 << 22):            # the same hash whatever the integer type
        h.update(data[i:i + (1 << 22)].astype("<u4").data)
    return h.hexdigest()


class CharLM(Task):
    """Character-level language model on any UTF-8 text (min-char-rnn).

    Encoding: the vocabulary is the sorted set of characters of the text; symbol
    ``i`` is ``vocab[i]``.  ``x_t`` is the index of character ``p + t`` and the target
    ``y_t`` is the index of character ``p + t + 1`` (predict the next character).
    The text is cut into ``B`` equal streams; each iteration reads the next
    ``seq_len`` characters of every stream, and the hidden state is carried from one
    window to the next, reset to zero at the start and whenever a stream reaches its
    end — exactly min-char-rnn's ``if p+seq_length+1 >= len(data)`` for ``B = 1``.
    """

    name = "charlm"
    order = 1
    title = "next character of any UTF-8 text (min-char-rnn)"
    DEFAULTS = dict(hidden=100, layers=1, activation="tanh", seq_len=25, batch=1,
                    lr=0.1, optimizer="adagrad", clip_mode="value", clip=5.0,
                    init="normal", init_scale=0.01)
    # With stacked layers the upper layers' inputs are dense: Adagrad's first steps
    # move every weight by about lr, and at 0.1 the sums saturate tanh for good
    # (a 2-layer net stays at bpc ~4.8 after 4,000 iterations; at 0.02 it reaches 2.8).
    STACKED_LR = 0.02
    options = ("text", "seq_len")
    is_language_model = True
    has_corpus = True
    carries_state = True
    draws_batches = False              # windows in order: next_batch never touches the RNG
    accuracy_label = "next symbol right"
    mask: np.ndarray | None = None
    """The training windows' mask (all ones), when every window shares one."""

    @classmethod
    def resolve(cls, vals: dict, given: dict) -> None:
        from rnn_tui.core.corpus import default_text

        if given["lr"] is None and vals["layers"] > 1:
            vals["lr"] = cls.STACKED_LR
        if not vals["text"]:
            vals["text"] = default_text()

    @classmethod
    def from_config(cls, cfg, progress=None) -> "CharLM":
        from rnn_tui.core.corpus import encode_file

        vocab, data = encode_file(cfg.text, progress)
        return cls(vocab, data, cfg.seq_len, cfg.batch, source=f"text file {cfg.text}")

    @classmethod
    def from_text(cls, text: str, seq_len: int, batch: int, source: str = "text") -> "CharLM":
        vocab = "".join(sorted(set(text)))
        ix = {ch: i for i, ch in enumerate(vocab)}
        return cls(vocab, np.fromiter((ix[c] for c in text), dtype=np.intp, count=len(text)), seq_len, batch,
                   source)

    def __init__(self, vocab: str, data: np.ndarray, seq_len: int, batch: int, source: str = "text"):
        """``data`` holds every character of the text as its index in ``vocab`` (the
        sorted distinct characters), in any unsigned or signed integer type."""
        if len(data) == 0:
            raise TaskError(f"{source} is empty")
        if len(vocab) < 2:
            raise TaskError(f"{source} has only one distinct character; a language model needs at least 2")
        seg = len(data) // batch
        if seg < seq_len + 2:
            raise TaskError(f"{source} is too short: {len(data)} characters cannot fill {batch} "
                            f"stream(s) of seq-len {seq_len} (need at least {batch * (seq_len + 2)})")
        self.vocab = vocab
        self.char_to_ix = {ch: i for i, ch in enumerate(vocab)}
        self.data = data
        self.seq_len, self.batch, self.seglen = seq_len, batch, seg
        self.fingerprint = _fingerprint(vocab, data)
        self.starts = np.arange(batch) * seg                          # (B,): where stream b begins in data
        # stream b is data[b * seg : (b + 1) * seg]; as columns, every window is a view
        self.streams = data[:batch * seg].reshape(batch, seg).T       # (seg, B)
        self.mask = np.ones(seq_len)                                  # every step scores
        self.mask.setflags(write=False)
        self.pos = 0
        self.fresh = True

    def spec_fields(self) -> dict:
        V = len(self.vocab)
        return dict(input_size=V, output_size=V, head="softmax_ce", index_input=True)

    def next_batch(self, rng: np.random.Generator, B: int) -> Batch:
        T = self.seq_len
        reset = self.fresh or self.pos + T + 1 >= self.seglen
        if reset:
            self.pos = 0
        p = self.pos
        self.pos += T
        self.fresh = False
        return Batch(x=self.streams[p:p + T], y=self.streams[p + 1:p + T + 1], mask=self.mask, reset=reset)  # (T, B)

    def get_position(self) -> dict:
        return {"pos": self.pos, "fresh": self.fresh}

    def set_position(self, state: dict) -> None:
        self.pos, self.fresh = int(state["pos"]), bool(state["fresh"])

    def decode(self, ixs) -> str:
        return "".join(self.vocab[int(i)] for i in ixs)

    def metrics(self, batch: Batch, cache) -> dict:
        right = cache.probs.argmax(axis=2) == batch.y           # (T, B)
        if batch.mask is self.mask:                              # a training window: every step scores
            T = len(right)
        else:                                                    # a probe: its last step does not
            scored = batch.mask > 0
            T = int(np.count_nonzero(scored))
            right = right[scored]
        acc = np.count_nonzero(right) / right.size if right.size else 0.0
        return {"accuracy": acc, "bpc": cache.loss / (max(T, 1) * math.log(2))}

    def labels(self, batch: Batch, b: int = 0) -> list[str]:
        return [self.vocab[int(i)] for i in batch.x[:, b]]

    def target_labels(self, batch: Batch, b: int = 0) -> list[str]:
        return [self.vocab[int(i)] if m else "" for i, m in zip(batch.y[:, b], batch.mask, strict=True)]

    probe_hint = "a text: the network reads it, predicting each next character"
    probe_example = "To be, or not to be"

    def probe_batch(self, typed: str) -> Batch:
        """``x`` is every character of ``typed``, ``y`` the next one (as in training);
        after the last character nothing is known, so its step is not scored (the
        distribution there is what the network expects to follow the text)."""
        if not typed:
            raise TaskError("type a text: the network reads it and predicts each next character")
        unknown = sorted({c for c in typed if c not in self.char_to_ix})
        if unknown:
            shown = ", ".join(repr(c) for c in unknown[:8]) + (" …" if len(unknown) > 8 else "")
            raise TaskError(f"not in the vocabulary ({len(self.vocab)} symbols): {shown}")
        ix = np.array([self.char_to_ix[c] for c in typed])
        y = np.append(ix[1:], 0)
        mask = np.ones(len(ix))
        mask[-1] = 0.0
        return Batch(x=ix[:, None], y=y[:, None], mask=mask, reset=True)

    def sample_start(self, hprev: np.ndarray, last_batch: Batch | None) -> SampleStart:
        """From stream 0's carried state, fed the last target it read."""
        return SampleStart(hprev[:, 0], int(last_batch.y[-1, 0]) if last_batch is not None else 0)


class Hello(CharLM):
    """The "hello" memorisation: vocabulary ``h, e, l, o`` (indices 0..3, in that
    order); ``x = "hell"``, ``y = "ello"``, hidden state reset for every iteration.
    Learned when the network predicts ``o`` after reading ``hell``.
    """

    name = "hello"
    order = 4
    title = '"hell" → "ello": predict o after hell'
    DEFAULTS = dict(CharLM.DEFAULTS, seq_len=4)
    options = ()
    fixed_length = "it is always the 4 steps of h-e-l-l-o"
    probe_example = "hell"
    has_corpus = False
    carries_state = False

    @classmethod
    def resolve(cls, vals: dict, given: dict) -> None:
        vals["seq_len"] = 4

    @classmethod
    def from_config(cls, cfg, progress=None) -> "Hello":
        return cls()

    def __init__(self):
        self.vocab = "helo"
        self.char_to_ix = {c: i for i, c in enumerate(self.vocab)}
        self.word = np.array([self.char_to_ix[c] for c in "hello"])
        self.seq_len = 4
        self.pos, self.fresh = 0, True

    def next_batch(self, rng, B):
        x = np.repeat(self.word[:-1, None], B, axis=1)                # (4, B)
        y = np.repeat(self.word[1:, None], B, axis=1)
        return Batch(x=x, y=y, mask=np.ones(4), reset=True)

    def get_position(self) -> dict:
        return {"pos": 0, "fresh": False}

    def set_position(self, state: dict) -> None:
        pass

    def sample_start(self, hprev: np.ndarray, last_batch: Batch | None) -> SampleStart:
        """What the lesson asks: from a fresh state, what follows "h", "he", "hel", "hell"?"""
        L, _, H = hprev.shape
        return SampleStart(np.zeros((L, H)), self.char_to_ix["h"], prefix="h", length=4)
