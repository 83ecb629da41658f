"""Dev-only training and evaluation of the digit model (needs the `train` extra)."""
