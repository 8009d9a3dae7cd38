"""The main window: lays out and wires the features together."""
