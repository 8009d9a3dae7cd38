"""The classroom's tools: spray, predict mode, presentation."""
