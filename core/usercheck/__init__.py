"""``rnn-tui check FILE``: find the bug in a learner's own BPTT, timestep by timestep.

The learner's file meets one of two contracts (:mod:`.contracts`): min-char-rnn's
``lossFun(inputs, targets, hprev)`` reading the weights from module globals, or
``loss_and_grads(params, inputs, targets, h0)`` for any task, layers and batch.
:func:`run_check` runs it in a child process on rnn-tui's weights and examples
(float64) and returns a :class:`CheckReport`: forward, gradients against rnn-tui's
BPTT, the user's own consistency, the shortest failing length, a trace of their
backward loop against the BPTT stepper, and the classic mistake that explains it.

Modules: :mod:`.checks` (the checks, in order), :mod:`.contracts` (the two
contracts and the examples), :mod:`.variants` (BPTT with each classic mistake),
:mod:`.diagnose`, :mod:`.trace`, :mod:`.report` (the dataclasses, JSON, text),
:mod:`.runner` and :mod:`.child` (the child process).
"""

from rnn_tui.core.usercheck.checks import CheckOptions, CheckUsageError, parse_names, run_check
from rnn_tui.core.usercheck.report import CheckReport, format_text

__all__ = ["CheckOptions", "CheckReport", "CheckUsageError", "format_text", "parse_names", "run_check"]
