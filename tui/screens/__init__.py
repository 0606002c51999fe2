"""Modal screens: help and open-checkpoint."""
