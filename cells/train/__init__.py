"""Training side of Gatescope (PyTorch only): training loops, modules, the zoo builder, metrics.
Task knowledge (data, splits, hidden variables, evaluation) is in ``cells.tasks``."""
