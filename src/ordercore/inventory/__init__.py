"""Stock per location, reservations, allocation and replenishment (pure domain).

The desk runs these as commands: see :class:`ordercore.desk.inventory.InventoryDesk`.
"""
