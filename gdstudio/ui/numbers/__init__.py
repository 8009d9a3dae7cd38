"""The data's numbers kept current (no widgets): landscape, optimum, step guide, preview."""
