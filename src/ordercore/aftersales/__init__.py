"""ordercore.aftersales."""
