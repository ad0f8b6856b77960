"""Figures and tables from stored results (matplotlib Agg; plots never compute scores)."""
