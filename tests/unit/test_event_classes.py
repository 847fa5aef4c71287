"""The desk remembers, per event class, what the journal reads of it; the answers are the same."""

from __future__ import annotations

from typing import ClassVar

import attrs

from ordercore._json_types import JsonOnlyTypes
from ordercore.desk.commands import EventClasses, _event_class_facts
from ordercore.inventory.ledger import StockMoved
from ordercore.serialization import make_converter
from ordercore.shipping.events import TrackingRecorded


@attrs.frozen
class Renamed:
    event_type: ClassVar[str] = "SomethingHappened"
    personal_fields: ClassVar[list[str]] = ["contact.email", "name"]

    name: str
    score: float


@attrs.frozen
class Plain:
    note: str


def test_remembered_facts_equal_the_facts_read_each_time() -> None:
    json_only = JsonOnlyTypes(make_converter())
    classes = EventClasses(json_only)

    for cls in (Renamed, Plain, StockMoved, TrackingRecorded, Renamed):
        assert classes(cls) == _event_class_facts(cls, json_only)

    assert classes(Renamed) == ("SomethingHappened", ("contact.email", "name"), False)
    assert classes(Plain) == ("Plain", (), True)
    assert _event_class_facts(Plain, None) == ("Plain", (), False)


def test_the_memory_is_bounded() -> None:
    classes = EventClasses(None)
    classes.LIMIT = 2
    made = [attrs.make_class(f"Event{index}", {"x": attrs.field()}) for index in range(5)]

    answers = [classes(cls) for cls in made]

    assert [answer[0] for answer in answers] == [f"Event{index}" for index in range(5)]
    assert len(classes._known) == 2
