"""Shipment documents as structured data, rendered to plain text, Markdown and HTML.

A :class:`DeliveryNote` (packing slip) goes in the parcel: who it is for, what is inside, how
it travels. A :class:`PickList` goes to the warehouse: what to take from the shelves, sorted by
SKU. Both are plain values built from the order and the shipment; rendering is separate, so a
host can lay them out its own way. The recipient's address is personal data: it is left out of
``repr`` and appears only in the rendered document.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import attrs

from ordercore.orders.model import Address, Order
from ordercore.shipping.model import Shipment

__all__ = ["DeliveryNote", "DocumentLine", "PickList", "delivery_note", "pick_list"]


@attrs.frozen(slots=True)
class DocumentLine:
    """One line of a document."""

    line_id: str
    sku: str
    name: str
    quantity: int


@attrs.frozen(slots=True)
class DeliveryNote:
    """The packing slip of a shipment.

    Attributes:
        order_number: The customer's order number.
        shipment_id: The shipment.
        ship_to: The delivery address (personal data; not in ``repr``).
        carrier: The carrier's code.
        service: The service level.
        tracking_number: The tracking number, once there is a label.
        lines: What is inside.
        ordered_units: Units of these lines on the order, to say what follows separately.
    """

    order_number: str
    shipment_id: str
    ship_to: Address = attrs.field(repr=False)
    carrier: str
    service: str
    tracking_number: str | None
    lines: tuple[DocumentLine, ...]
    ordered_units: int

    @property
    def units(self) -> int:
        """Units in this parcel."""
        return sum(line.quantity for line in self.lines)

    def _address_lines(self) -> list[str]:
        a = self.ship_to
        rows = [a.name, a.company, a.line1, a.line2, f"{a.postal_code} {a.city}".strip(), a.country]
        return [row for row in rows if row]

    def _summary(self) -> list[tuple[str, str]]:
        rest = self.ordered_units - self.units
        return [
            ("Order", self.order_number),
            ("Shipment", self.shipment_id),
            ("Carrier", f"{self.carrier} ({self.service})"),
            ("Tracking", self.tracking_number or "-"),
            (
                "In this parcel",
                f"{self.units} item(s)" + (f"; {rest} more sent separately" if rest > 0 else ""),
            ),
        ]

    def to_text(self) -> str:
        """Plain text, for a thermal printer or an e-mail."""
        rows = ["DELIVERY NOTE", "", *self._address_lines(), ""]
        rows += [f"{label}: {value}" for label, value in self._summary()]
        rows += ["", *_text_table(self.lines)]
        return "\n".join(rows) + "\n"

    def to_markdown(self) -> str:
        """Markdown."""
        rows = ["# Delivery note", "", "  \n".join(self._address_lines()), ""]
        rows += [f"- **{label}:** {_md(value)}" for label, value in self._summary()]
        rows += ["", *_markdown_table(self.lines)]
        return "\n".join(rows) + "\n"

    def to_html(self) -> str:
        """HTML (a fragment; every value escaped)."""
        address = "<br>".join(html.escape(row) for row in self._address_lines())
        summary = "".join(
            f"<dt>{html.escape(label)}</dt><dd>{html.escape(value)}</dd>"
            for label, value in self._summary()
        )
        return (
            f'<section class="delivery-note"><h1>Delivery note</h1><address>{address}</address>'
            f"<dl>{summary}</dl>{_html_table(self.lines)}</section>\n"
        )


@attrs.frozen(slots=True)
class PickList:
    """What to take from the shelves of one location for one shipment.

    Attributes:
        location: The location.
        order_number: The order.
        shipment_id: The shipment.
        lines: Lines sorted by SKU.
    """

    location: str
    order_number: str
    shipment_id: str
    lines: tuple[DocumentLine, ...]

    def _summary(self) -> list[tuple[str, str]]:
        return [
            ("Location", self.location),
            ("Order", self.order_number),
            ("Shipment", self.shipment_id),
        ]

    def to_text(self) -> str:
        """Plain text."""
        rows = ["PICK LIST", "", *(f"{label}: {value}" for label, value in self._summary())]
        return "\n".join([*rows, "", *_text_table(self.lines)]) + "\n"

    def to_markdown(self) -> str:
        """Markdown."""
        rows = [
            "# Pick list",
            "",
            *(f"- **{label}:** {_md(value)}" for label, value in self._summary()),
        ]
        return "\n".join([*rows, "", *_markdown_table(self.lines)]) + "\n"

    def to_html(self) -> str:
        """HTML (a fragment; every value escaped)."""
        summary = "".join(
            f"<dt>{html.escape(label)}</dt><dd>{html.escape(value)}</dd>"
            for label, value in self._summary()
        )
        return (
            f'<section class="pick-list"><h1>Pick list</h1><dl>{summary}</dl>'
            f"{_html_table(self.lines)}</section>\n"
        )


def _md(value: str) -> str:
    return value.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def _text_table(lines: Sequence[DocumentLine]) -> list[str]:
    width = max([3, *(len(line.sku) for line in lines)])
    rows = [f"{'Qty':>4}  {'SKU':<{width}}  Item"]
    rows += [f"{line.quantity:>4}  {line.sku:<{width}}  {line.name}" for line in lines]
    return rows


def _markdown_table(lines: Sequence[DocumentLine]) -> list[str]:
    rows = ["| Qty | SKU | Item |", "| ---: | --- | --- |"]
    rows += [f"| {line.quantity} | {_md(line.sku)} | {_md(line.name)} |" for line in lines]
    return rows


def _html_table(lines: Sequence[DocumentLine]) -> str:
    body = "".join(
        f"<tr><td>{line.quantity}</td><td>{html.escape(line.sku)}</td>"
        f"<td>{html.escape(line.name)}</td></tr>"
        for line in lines
    )
    head = "<thead><tr><th>Qty</th><th>SKU</th><th>Item</th></tr></thead>"
    return f"<table>{head}<tbody>{body}</tbody></table>"


def _lines(order: Order, shipment: Shipment) -> list[DocumentLine]:
    names = {line.line_id: line.name for line in order.lines}
    return [
        DocumentLine(line.line_id, line.sku, names.get(line.line_id, ""), line.quantity)
        for line in shipment.lines
    ]


def delivery_note(order: Order, shipment: Shipment) -> DeliveryNote:
    """Build the delivery note of ``shipment`` (lines in the order's line order)."""
    shipped_ids = set(shipment.units)
    ordered = sum(line.active_quantity for line in order.lines if line.line_id in shipped_ids)
    return DeliveryNote(
        order_number=order.number,
        shipment_id=shipment.id,
        ship_to=order.shipping_address,
        carrier=shipment.carrier,
        service=shipment.service,
        tracking_number=shipment.tracking_number,
        lines=tuple(_lines(order, shipment)),
        ordered_units=ordered,
    )


def pick_list(order: Order, shipment: Shipment) -> PickList:
    """Build the pick list of ``shipment`` (lines sorted by SKU, then line)."""
    lines = sorted(_lines(order, shipment), key=lambda line: (line.sku, line.line_id))
    return PickList(shipment.location, order.number, shipment.id, tuple(lines))
