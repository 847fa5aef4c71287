"""ordercore.orders."""
