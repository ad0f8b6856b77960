"""`geomem audit`: config, measurements, verdict and the run (docs/audit.md)."""
