"""One module per view of the page; each has ``render(model, L)``."""
