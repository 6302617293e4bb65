"""Model backends behind small role protocols (see base.py). One file per model family."""
