"""The scale-out recipe: replicas of the app behind nginx (serve_class.py)."""
