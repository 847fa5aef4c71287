"""ordercore.inventory."""
