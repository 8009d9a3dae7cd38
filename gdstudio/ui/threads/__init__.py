"""Work off the GUI thread: the training thread, the import worker, the pool, torch loading."""
