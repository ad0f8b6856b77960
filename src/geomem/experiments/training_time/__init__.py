"""Training time as an axis: the ensemble study and its read-outs (tau, three panels)."""
