"""ordercore.review."""
