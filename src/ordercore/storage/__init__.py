"""ordercore.storage."""
