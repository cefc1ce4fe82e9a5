"""Training side of Gatescope (PyTorch only): tasks, data, training loops, the zoo builder."""
