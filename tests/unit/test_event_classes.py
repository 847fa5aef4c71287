"""The desk remembers, per event class, what the journal reads of it; the answers are the same."""

from __future__ import annotations

from typing import ClassVar

import attrs

from ordercore._json_types import JsonOnlyTypes
from ordercore.desk.commands import EventClasses
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
    converter = make_converter()
    json_only = JsonOnlyTypes(converter)
    classes = EventClasses(json_only, converter)

    for cls in (Renamed, Plain, StockMoved, TrackingRecorded, Renamed):
        assert classes(cls) == EventClasses(json_only, converter)._facts(cls)

    assert classes(Renamed)[:3] == ("SomethingHappened", ("contact.email", "name"), False)
    assert classes(Plain)[:3] == ("Plain", (), True)
    assert EventClasses(None, converter)(Plain)[:3] == ("Plain", (), False)


def test_the_remembered_hook_unstructures_as_the_converter_does() -> None:
    converter = make_converter()
    converter.register_unstructure_hook(Plain, lambda event: {"note": event.note.upper()})
    classes = EventClasses(None, converter)
    event = Renamed("Ada", 0.5)

    assert classes(Renamed)[3](event) == converter.unstructure(event)
    assert classes(Plain)[3](Plain("shout")) == {"note": "SHOUT"}


def test_the_memory_is_bounded() -> None:
    classes = EventClasses(None, make_converter())
    classes.LIMIT = 2
    made = [attrs.make_class(f"Event{index}", {"x": attrs.field()}) for index in range(5)]

    answers = [classes(cls) for cls in made]

    assert [answer[0] for answer in answers] == [f"Event{index}" for index in range(5)]
    assert len(classes._known) == 2
