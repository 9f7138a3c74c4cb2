"""Command groups of the greendc CLI, one module each."""
