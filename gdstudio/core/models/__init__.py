"""The models the studio trains, each in a folder of its own mathematics."""
