"""Tasks of the zoo (NumPy only): data from assets/, fixed held-out splits, evaluate(model)."""
