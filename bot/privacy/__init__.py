"""Privacy helpers: encryption, masking, retention."""
