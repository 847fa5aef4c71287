"""Shipments, carrier adapters, tracking, logistics exceptions, ETAs and documents (pure domain).

The desk runs these as commands: see :class:`ordercore.desk.shipping.ShippingDesk`.
"""
