"""Session files, recovery and lessons in the window."""
