"""The Qt side of the studio: widgets, plots and the training thread."""
