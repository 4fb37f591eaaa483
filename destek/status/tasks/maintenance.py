"""Scheduled maintenance: reminders before the window, starting and ending it on time."""
