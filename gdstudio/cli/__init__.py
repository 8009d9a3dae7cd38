"""``gdstudio train``: the headless trainer's options, outputs and process handling."""
