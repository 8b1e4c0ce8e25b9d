"""Feedback: requests, answers and their visibility."""
