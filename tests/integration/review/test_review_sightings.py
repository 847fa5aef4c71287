"""Review's memory of identities: sightings where the storage keeps them, records where not."""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ordercore import (
    Actor,
    Address,
    Contact,
    DeskConfig,
    LineDraft,
    ManualClock,
    MemoryStorage,
    OrderDesk,
    OrderDraft,
    OrderStatus,
    ReviewPolicy,
    SequentialIds,
    SortableIds,
    StorageBackend,
    Velocity,
    hookimpl,
)
from ordercore.clock import from_epoch_micros
from ordercore.desk.review_context import IDENTITY_ACTIVITY, IdentityActivity
from ordercore.storage import _sqlite_codec as codec
from ordercore.storage._sqlite_encoder import AggregateEncoder
from ordercore.storage.ports import SightingsIndex

CLERK = Actor("u-clerk", roles={"clerk"})


class _HidingSightings:
    """A memory unit of work without the optional sightings, as a plugin backend may be."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        if name == "sightings":
            raise AttributeError(name)
        return getattr(self._inner, name)


class _NoSightingsStorage:
    def __init__(self, url: str) -> None:
        self.url = url
        self._inner = MemoryStorage()

    @contextmanager
    def unit_of_work(self) -> Iterator[Any]:
        with self._inner.unit_of_work() as uow:
            yield _HidingSightings(uow)

    def close(self) -> None:
        self._inner.close()


class _NoSightingsBackend:
    @hookimpl
    def ordercore_storage_backends(self) -> list[StorageBackend]:
        return [StorageBackend("nosightings", open=_NoSightingsStorage)]


def _draft(index: int, *, credit_terms: bool = False) -> OrderDraft:
    # Each order its own customer and e-mail; the street address links them all.
    return OrderDraft(
        channel="web",
        currency="EUR",
        contact=Contact("Ada Lovelace", email=f"ada{index}@example.com"),
        shipping_address=Address("Ada Lovelace", "12 Analytical Row", "London", "GB", "N1 7AA"),
        lines=[LineDraft("SKU-1", 1, "10.00")],
        customer_id=f"c-{index}",
        credit_terms=credit_terms,
    )


@pytest.fixture(params=["memory", "sqlite", "no-sightings"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return {
        "memory": "memory://",
        "sqlite": f"sqlite:///{tmp_path / 'shop.db'}",
        "no-sightings": "nosightings://",
    }[request.param]


def _open(
    url: str, policy: ReviewPolicy, clock: ManualClock | None = None, *, reopened: bool = False
) -> OrderDesk:
    return OrderDesk.open(
        url,
        plugins=[_NoSightingsBackend()],
        clock=clock or ManualClock(),
        # A desk opened again on a file must not make the ids of the first one again.
        ids=SortableIds() if reopened else SequentialIds(),
        config=DeskConfig(review=policy),
        entry_points=False,
    )


def test_orders_sharing_an_identity_are_linked_on_every_storage(url: str) -> None:
    with _open(url, ReviewPolicy()) as desk:
        statuses = [desk.orders.place(_draft(index), actor=CLERK).status for index in range(7)]
        findings = desk.review.evaluate(desk.orders.list()[-1].id, actor=CLERK).findings

    assert statuses[:5] == [OrderStatus.APPROVED] * 5
    assert any(f.rule == "velocity" and "address 6" in f.message for f in findings)


@pytest.mark.parametrize(("history_days", "held"), [(1, False), (7, True)])
def test_an_order_older_than_the_history_no_longer_counts(
    url: str, history_days: int, held: bool
) -> None:
    clock = ManualClock()
    eager = Velocity(max_orders=1, window=timedelta(days=30))
    policy = ReviewPolicy(history_days=history_days).with_rule(eager)
    with _open(url, policy, clock) as desk:
        desk.orders.place(_draft(1), actor=CLERK)
        clock.advance(timedelta(days=2))
        again = desk.orders.place(_draft(2), actor=CLERK)

    assert (again.status is OrderStatus.ON_HOLD) is held


def test_an_order_bought_on_account_still_counts_past_the_history(url: str) -> None:
    clock = ManualClock()
    eager = Velocity(max_orders=1, window=timedelta(days=30))
    policy = ReviewPolicy(history_days=1).with_rule(eager)
    with _open(url, policy, clock) as desk:
        desk.orders.place(_draft(1, credit_terms=True), actor=CLERK)
        clock.advance(timedelta(days=2))
        second = desk.orders.place(_draft(2), actor=CLERK)
        findings = desk.review.queue()[0].findings

    assert second.status is OrderStatus.ON_HOLD
    assert "velocity" in [f.rule for f in findings]


def test_records_in_the_earlier_form_still_link_orders_without_sightings() -> None:
    with _open("nosightings://", ReviewPolicy()) as desk:
        first = desk.orders.place(_draft(1), actor=CLERK)
        placed_at = first.milestones.placed_at.isoformat()
        with desk.storage.unit_of_work() as uow:
            records = uow.aggregates(IDENTITY_ACTIVITY)
            for record in list(records.scan()):
                # As earlier versions wrote it: one dict per sighting, no parallel tuples.
                earlier = IdentityActivity(
                    record.id, ({"order_id": first.id, "placed_at": placed_at},), record.version + 1
                )
                records.save(earlier, expected_version=record.version)

        again = desk.orders.place(_draft(1), actor=CLERK)
        findings = desk.review.queue()[0].findings
        with desk.storage.unit_of_work() as uow:
            rewritten = list(uow.aggregates(IDENTITY_ACTIVITY).scan())

    assert again.status is OrderStatus.ON_HOLD
    assert "likely-duplicate" in [f.rule for f in findings]
    assert len(rewritten) == 3
    assert all(r.orders == () and r.order_ids == (first.id, again.id) for r in rewritten)


def _prunes(order_id: str) -> bool:
    return zlib.crc32(order_id.encode()) % 16 == 0


@pytest.mark.parametrize("url", ["memory://", "sqlite"], indirect=False)
def test_a_busy_identity_keeps_only_the_sightings_review_reads(url: str, tmp_path: Path) -> None:
    if url == "sqlite":
        url = f"sqlite:///{tmp_path / 'busy.db'}"
    with _open(url, ReviewPolicy(automatic=False)) as desk:
        placed = [desk.orders.place(_draft(index), actor=CLERK).id for index in range(120)]
        with desk.storage.unit_of_work() as uow:
            assert isinstance(uow, SightingsIndex)
            key = max(
                ((count, key) for key, count in _counts(uow).items()), key=lambda pair: pair[0]
            )[1]
            kept = uow.sightings.newest(key, limit=1000)

    # The orders after the last one that pruned, and the 50 newest before it.
    last = max(index for index, order_id in enumerate(placed) if _prunes(order_id))
    assert last >= 50, "the test needs a pruning order after the first 50"
    assert [order_id for order_id, _ in kept] == placed[last - 49 :][::-1]


def _counts(uow: Any) -> dict[str, int]:
    """Sightings per key, read through the storage's own tables (only this test needs it)."""
    inner = getattr(uow, "connection", None)
    if inner is not None:
        rows = inner.execute("SELECT key, count(*) FROM sightings GROUP BY key").fetchall()
        return {codec.key_text(key): count for key, count in rows}
    return {key: len(items) for key, items in uow._state.sightings.items()}


def _downgrade_to_identity_records(path: Path) -> list[tuple[bytes, int, bytes]]:
    """Turn the file's sightings back into the identity records schema 7 kept."""
    encoder = AggregateEncoder()
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        rows = connection.execute("SELECT key, at_us, record_id FROM sightings").fetchall()
        by_key: dict[bytes, list[tuple[int, str]]] = {}
        for key, at_us, record_id in rows:
            by_key.setdefault(key, []).append((at_us, codec.key_text(record_id)))
        connection.execute("BEGIN")
        for number, (key, sightings) in enumerate(sorted(by_key.items())):
            sightings.sort()
            if number % 2:
                record = IdentityActivity(
                    codec.key_text(key),
                    (),
                    1,
                    tuple(order_id for _, order_id in sightings),
                    tuple(at for at, _ in sightings),
                )
            else:  # the form before the parallel tuples: a time in ISO 8601 per sighting
                record = IdentityActivity(
                    codec.key_text(key),
                    tuple(
                        {"order_id": order_id, "placed_at": from_epoch_micros(at).isoformat()}
                        for at, order_id in sightings
                    ),
                    1,
                )
            connection.execute(
                "INSERT INTO aggregates (kind, id, version, body) VALUES (?, ?, 1, ?)",
                (codec.key(IDENTITY_ACTIVITY.name), key, encoder.encode(record)),
            )
        connection.execute("DROP TABLE sightings")
        connection.execute("PRAGMA user_version = 7")
        connection.execute("COMMIT")
    return sorted(rows)


def test_identity_records_of_a_version_7_file_become_sightings(tmp_path: Path) -> None:
    path = tmp_path / "v7.db"
    url = f"sqlite:///{path}"
    with _open(url, ReviewPolicy()) as desk:
        first = desk.orders.place(_draft(1), actor=CLERK)
    before = _downgrade_to_identity_records(path)
    assert len(before) == 3  # customer, e-mail and address

    with _open(url, ReviewPolicy(), reopened=True) as desk:
        with closing(sqlite3.connect(path)) as connection:
            after = connection.execute("SELECT key, at_us, record_id FROM sightings").fetchall()
            records = connection.execute(
                "SELECT count(*) FROM aggregates WHERE kind = ?",
                (codec.key(IDENTITY_ACTIVITY.name),),
            ).fetchone()
        again = desk.orders.place(_draft(1), actor=CLERK)
        findings = desk.review.queue()[0].findings

    assert sorted(after) == before
    assert records == (0,)
    assert first.status is OrderStatus.APPROVED
    assert again.status is OrderStatus.ON_HOLD  # the same buyer again: a likely duplicate
    assert "likely-duplicate" in [f.rule for f in findings]
