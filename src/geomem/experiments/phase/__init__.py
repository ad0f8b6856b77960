"""`geomem phase-diagram`: one cell (the unit a sweep runs) and the whole N x v diagram."""
