"""1-on-1s: requests, answers, meetings, notes, tasks, reminders and exports."""
