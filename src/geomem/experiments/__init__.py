"""Experiments: frozen configs and the runners that turn them into results."""
