"""Privacy: who read a private text, and the privacy section of the Home."""
