"""`geomem spectrum`: one frozen config and its sweepable run."""
