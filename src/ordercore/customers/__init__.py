"""ordercore.customers."""
