"""ordercore.desk."""
