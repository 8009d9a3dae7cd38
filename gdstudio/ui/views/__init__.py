"""Facts drawn on the plots: the run, the landscape, the timeline, your line."""
