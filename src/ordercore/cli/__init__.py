"""ordercore.cli."""
