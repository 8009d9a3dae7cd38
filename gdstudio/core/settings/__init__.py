"""A run's settings, described once: the description, TrainConfig, limits, schedules."""
