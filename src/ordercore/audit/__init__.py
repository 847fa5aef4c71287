"""ordercore.audit."""
