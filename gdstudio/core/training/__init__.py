"""A run: the engine, its lifecycle, pause/stop control, the stop rule, the path and the results."""
