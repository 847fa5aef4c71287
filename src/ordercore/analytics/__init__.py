"""ordercore.analytics."""
