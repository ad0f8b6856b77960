"""Figures from results: functions take arrays and return matplotlib Figures (Agg backend).

They never compute scores or spectra and never call ``plt.show()``.
"""
