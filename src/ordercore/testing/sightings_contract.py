"""The storage contract's tests of sightings (:class:`~ordercore.storage.ports.SightingsIndex`).

:class:`~ordercore.testing.contract.StorageContract` includes these tests; a backend whose units
of work keep no sightings declares ``unsupported = {"sightings": "why"}`` and the review falls
back to one aggregate per identity on it.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ordercore.errors import ValidationError
from ordercore.storage.ports import SightingsIndex, SightingsRepository, Storage, UnitOfWork

__all__ = ["SIGHTINGS_TESTS", "SightingsChecks"]

SIGHTINGS_TESTS = (
    "test_sightings_are_read_newest_first_up_to_the_limit",
    "test_a_sighting_added_twice_is_kept_once",
    "test_forget_drops_only_the_sightings_named",
    "test_sightings_of_a_failed_unit_of_work_leave_no_trace",
    "test_sightings_refuse_what_they_cannot_keep",
    "test_sightings_of_hostile_keys_and_ids_read_back_unchanged",
    "test_sightings_equal_a_model_after_any_adds_and_forgets",
)
"""The tests that need the capability (the ``sightings`` entry of ``CAPABILITIES``)."""

_HOSTILE = ("it's", "'; DROP TABLE sightings; --", "a\x00b", "\ud800", "ü" * 500, " ")


class _Failed(Exception):
    pass


def _sightings(uow: UnitOfWork) -> SightingsRepository:
    assert isinstance(uow, SightingsIndex), "declare 'sightings' unsupported instead"
    return uow.sightings


class SightingsChecks:
    """Sightings tests; mixed into the storage contract, which supplies ``storage``."""

    def test_sightings_are_read_newest_first_up_to_the_limit(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            sightings = _sightings(uow)
            sightings.add(["k1", "k2"], "r-b", 20)
            sightings.add(["k1"], "r-a", 30)
            sightings.add(["k1"], "r-c", 20)  # same time as r-b: the greater id first
            sightings.add(["k2"], "r-d", 10)
        with storage.unit_of_work() as uow:
            sightings = _sightings(uow)
            assert sightings.newest("k1", limit=10) == [("r-a", 30), ("r-c", 20), ("r-b", 20)]
            assert sightings.newest("k1", limit=2) == [("r-a", 30), ("r-c", 20)]
            assert sightings.newest("k2", limit=10) == [("r-b", 20), ("r-d", 10)]
            assert sightings.newest("k1", limit=0) == []
            assert sightings.newest("unseen", limit=10) == []

    def test_a_sighting_added_twice_is_kept_once(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            _sightings(uow).add(["k"], "r", 5)
        with storage.unit_of_work() as uow:
            _sightings(uow).add(["k", "k"], "r", 5)
            _sightings(uow).add(["k"], "r", 6)  # another time is another sighting
        with storage.unit_of_work() as uow:
            assert _sightings(uow).newest("k", limit=10) == [("r", 6), ("r", 5)]

    def test_forget_drops_only_the_sightings_named(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            sightings = _sightings(uow)
            sightings.add(["k", "other"], "r1", 1)
            sightings.add(["k"], "r2", 2)
            sightings.add(["k"], "r3", 3)
        with storage.unit_of_work() as uow:
            sightings = _sightings(uow)
            # r2 at another time, and a key never seen, are not there to drop.
            assert sightings.forget("k", [("r1", 1), ("r3", 3), ("r2", 9)]) == 2
            assert sightings.forget("nothing", [("r1", 1)]) == 0
            assert sightings.forget("k", []) == 0
        with storage.unit_of_work() as uow:
            assert _sightings(uow).newest("k", limit=10) == [("r2", 2)]
            assert _sightings(uow).newest("other", limit=10) == [("r1", 1)]

    def test_sightings_of_a_failed_unit_of_work_leave_no_trace(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            _sightings(uow).add(["k"], "kept", 1)
        with pytest.raises(_Failed), storage.unit_of_work() as uow:
            sightings = _sightings(uow)
            sightings.add(["k", "new"], "lost", 2)
            sightings.forget("k", [("kept", 1)])
            assert sightings.newest("k", limit=10) == [("lost", 2)]  # its own writes
            raise _Failed
        with storage.unit_of_work() as uow:
            assert _sightings(uow).newest("k", limit=10) == [("kept", 1)]
            assert _sightings(uow).newest("new", limit=10) == []

    @pytest.mark.parametrize(
        ("call", "field"),
        [
            (lambda s: s.add("key", "r", 1), "keys"),
            (lambda s: s.add([""], "r", 1), "keys"),
            (lambda s: s.add([7], "r", 1), "keys"),
            (lambda s: s.add(["k"], "", 1), "record_id"),
            (lambda s: s.add(["k"], "r", True), "at_us"),
            (lambda s: s.add(["k"], "r", 1.5), "at_us"),
            (lambda s: s.add(["k"], "r", 1 << 63), "at_us"),
            (lambda s: s.newest("k", limit=-1), "limit"),
            (lambda s: s.newest("k", limit=True), "limit"),
        ],
    )
    def test_sightings_refuse_what_they_cannot_keep(
        self, storage: Storage, call: Any, field: str
    ) -> None:
        with storage.unit_of_work() as uow:
            sightings = _sightings(uow)
            sightings.add(["k"], "kept", 1)
            with pytest.raises(ValidationError) as refused:
                call(sightings)
            assert refused.value.field == field
            assert sightings.newest("k", limit=10) == [("kept", 1)]

    def test_sightings_of_hostile_keys_and_ids_read_back_unchanged(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            for index, text in enumerate(_HOSTILE):
                _sightings(uow).add([text], text, index)
        with storage.unit_of_work() as uow:
            for index, text in enumerate(_HOSTILE):
                assert _sightings(uow).newest(text, limit=5) == [(text, index)]

    # Every backend's test class runs this one method, each with its own storage fixture, and
    # each example keeps to keys of its own, so neither the shared fixture nor the several
    # executors can carry state from one example or backend into another.
    @settings(
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.differing_executors,
        ],
    )
    @given(
        steps=st.lists(
            st.tuples(
                st.booleans(),  # the unit of work fails at its end
                st.lists(
                    st.tuples(
                        st.sampled_from(["add", "forget"]),
                        st.lists(st.sampled_from("abc"), min_size=1, max_size=3),
                        st.sampled_from(["r1", "r2", "r3"]),
                        st.integers(0, 3),
                    ),
                    max_size=6,
                ),
            ),
            max_size=6,
        ),
        limit=st.integers(0, 6),
    )
    def test_sightings_equal_a_model_after_any_adds_and_forgets(
        self,
        storage: Storage,
        steps: list[tuple[bool, list[tuple[str, list[str], str, int]]]],
        limit: int,
    ) -> None:
        # The storage outlives the examples, so each example keeps to keys of its own.
        namespace = secrets.token_hex(8) + "-"
        model: dict[str, set[tuple[int, str]]] = {}
        for fails, calls in steps:
            staged = {key: set(items) for key, items in model.items()}
            try:
                with storage.unit_of_work() as uow:
                    sightings = _sightings(uow)
                    for action, keys, record_id, at in calls:
                        scoped = [namespace + key for key in keys]
                        if action == "add":
                            sightings.add(scoped, record_id, at)
                            for key in scoped:
                                staged.setdefault(key, set()).add((at, record_id))
                        else:
                            gone = staged.setdefault(scoped[0], set()) & {(at, record_id)}
                            assert sightings.forget(scoped[0], [(record_id, at)]) == len(gone)
                            staged[scoped[0]] -= gone
                    if fails:
                        raise _Failed
            except _Failed:
                continue
            model = staged
        with storage.unit_of_work() as uow:
            for key in "abc":
                expected = sorted(model.get(namespace + key, ()), reverse=True)[:limit]
                read = _sightings(uow).newest(namespace + key, limit=limit)
                assert read == [(record_id, at) for at, record_id in expected]
