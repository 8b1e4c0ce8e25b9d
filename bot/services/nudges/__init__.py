"""Nudges: the cadence, the agenda a reminder carries, and the scan that queues the reminders."""
