"""The data set: points, edit commands, CSV reading and writing, paste, presets."""
