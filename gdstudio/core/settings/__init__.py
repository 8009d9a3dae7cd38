"""A run's settings, described once: the description, TrainConfig, limits, schedules; and the
studio's view options, described once as well (``view_description``)."""
