"""rnn-tui's engine: a vanilla RNN in plain NumPy, BPTT as a stepper, tasks, trainer.

Imports nothing from textual, rich or plotext.
"""

from rnn_tui.core.config import Config, ConfigError
from rnn_tui.core.trainer import DivergenceError, Snapshot, Trainer

__all__ = ["Config", "ConfigError", "DivergenceError", "Snapshot", "Trainer"]
