"""ordercore.shipping."""
