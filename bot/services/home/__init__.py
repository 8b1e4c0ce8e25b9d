"""The App Home: the page every person sees, and the leader section for managers."""
