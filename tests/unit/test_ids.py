"""Unit tests for ordercore.ids: time-sortable and sequential id factories."""

from __future__ import annotations

import itertools
import multiprocessing
import re
import sys
import threading
import time
from multiprocessing.queues import Queue

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore.errors import ValidationError
from ordercore.ids import IdFactory, SequentialIds, SortableIds

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SORTABLE_BODY = re.compile(f"[{CROCKFORD}]{{26}}")

PREFIXES = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True)
BAD_PREFIXES = ["", "ord-x", "ord x", " ord", "ordé", "ördnung", "ord.x", "ord/x", "ord\n"]


def decode_crockford(text: str) -> int:
    value = 0
    for char in text:
        value = value * 32 + CROCKFORD.index(char)
    return value


def body_of(identifier: str, prefix: str) -> str:
    assert identifier.startswith(prefix + "_")
    return identifier[len(prefix) + 1 :]


# SortableIds: format --------------------------------------------------------------------------


@given(prefix=PREFIXES)
def test_sortable_ids_are_the_prefix_an_underscore_and_26_crockford_characters(
    prefix: str,
) -> None:
    identifier = SortableIds().new_id(prefix)

    assert SORTABLE_BODY.fullmatch(body_of(identifier, prefix))


def test_sortable_ids_fit_in_128_bits() -> None:
    body = body_of(SortableIds().new_id("ord"), "ord")

    # 26 base-32 characters hold 130 bits; a ULID uses 128, so the first character is 0-7.
    assert decode_crockford(body) < 1 << 128
    assert body[0] in "01234567"


def test_sortable_ids_carry_the_current_time_in_their_first_ten_characters() -> None:
    before_ms = time.time() * 1000
    body = body_of(SortableIds().new_id("evt"), "evt")
    after_ms = time.time() * 1000

    stamped_ms = decode_crockford(body[:10])

    assert before_ms - 2000 <= stamped_ms <= after_ms + 2000


# SortableIds: ordering and uniqueness --------------------------------------------------------


def test_sortable_ids_made_in_a_tight_loop_sort_in_creation_order_without_duplicates() -> None:
    factory = SortableIds()

    made = [factory.new_id("ord") for _ in range(10_000)]

    assert len(set(made)) == len(made)
    assert sorted(made) == made


@given(count=st.integers(min_value=2, max_value=300), prefix=PREFIXES)
def test_sortable_ids_strictly_increase_within_one_factory(count: int, prefix: str) -> None:
    factory = SortableIds()

    made = [factory.new_id(prefix) for _ in range(count)]

    assert all(earlier < later for earlier, later in itertools.pairwise(made))


def test_sortable_ids_keep_increasing_when_the_wall_clock_goes_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    factory = SortableIds()
    first = factory.new_id("ord")
    an_hour_earlier = time.time_ns() - 3_600 * 1_000_000_000
    monkeypatch.setattr(time, "time_ns", lambda: an_hour_earlier)

    second = factory.new_id("ord")

    assert second > first


def test_sortable_ids_made_from_several_threads_are_all_distinct() -> None:
    factory = SortableIds()
    threads_count, ids_each = 8, 2_000
    barrier = threading.Barrier(threads_count)
    results: list[list[str]] = [[] for _ in range(threads_count)]

    def work(out: list[str]) -> None:
        barrier.wait()
        out.extend(factory.new_id("msg") for _ in range(ids_each))

    threads = [threading.Thread(target=work, args=(out,)) for out in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    everything = [identifier for out in results for identifier in out]
    assert len(everything) == threads_count * ids_each
    assert len(set(everything)) == len(everything)
    for out in results:
        assert sorted(out) == out


def test_sortable_ids_satisfy_the_id_factory_protocol() -> None:
    assert isinstance(SortableIds(), IdFactory)


def test_sortable_ids_repr_names_the_class() -> None:
    assert repr(SortableIds()) == "SortableIds()"


# SequentialIds -------------------------------------------------------------------------------


def test_sequential_ids_count_from_one_with_six_digits_by_default() -> None:
    factory = SequentialIds()

    assert [factory.new_id("ord") for _ in range(3)] == ["ord_000001", "ord_000002", "ord_000003"]


def test_sequential_ids_keep_one_counter_per_prefix() -> None:
    factory = SequentialIds()

    made = [factory.new_id(prefix) for prefix in ("ord", "evt", "ord", "msg", "evt", "ord")]

    assert made == [
        "ord_000001",
        "evt_000001",
        "ord_000002",
        "msg_000001",
        "evt_000002",
        "ord_000003",
    ]


def test_sequential_ids_use_the_given_width() -> None:
    factory = SequentialIds(width=3)

    assert factory.new_id("ord") == "ord_001"
    assert repr(factory) == "SequentialIds(width=3)"


def test_sequential_ids_grow_past_their_width_instead_of_wrapping() -> None:
    factory = SequentialIds(width=1)

    made = [factory.new_id("ord") for _ in range(11)]

    assert made[8:] == ["ord_9", "ord_10", "ord_11"]


def test_separate_sequential_factories_do_not_share_counters() -> None:
    first, second = SequentialIds(), SequentialIds()
    first.new_id("ord")

    assert second.new_id("ord") == "ord_000001"


def test_sequential_ids_made_from_several_threads_are_all_distinct() -> None:
    factory = SequentialIds()
    threads_count, ids_each = 8, 1_000
    barrier = threading.Barrier(threads_count)
    results: list[list[str]] = [[] for _ in range(threads_count)]

    def work(out: list[str]) -> None:
        barrier.wait()
        out.extend(factory.new_id("ord") for _ in range(ids_each))

    threads = [threading.Thread(target=work, args=(out,)) for out in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    everything = {identifier for out in results for identifier in out}
    assert everything == {f"ord_{n:06d}" for n in range(1, threads_count * ids_each + 1)}


def test_sequential_ids_satisfy_the_id_factory_protocol() -> None:
    assert isinstance(SequentialIds(), IdFactory)


# Prefixes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("factory", [SortableIds(), SequentialIds()], ids=["sortable", "seq"])
@pytest.mark.parametrize("prefix", BAD_PREFIXES)
def test_id_factories_refuse_a_bad_prefix_naming_the_prefix_field(
    factory: IdFactory, prefix: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        factory.new_id(prefix)

    assert caught.value.field == "prefix"


@pytest.mark.parametrize("prefix", ["ord", "ORD", "o1", "order_line", "x"])
def test_id_factories_accept_short_ascii_words(prefix: str) -> None:
    assert SequentialIds().new_id(prefix) == f"{prefix}_000001"
    assert SortableIds().new_id(prefix).startswith(f"{prefix}_")


def test_a_refused_prefix_does_not_consume_a_sequence_number() -> None:
    factory = SequentialIds()

    with pytest.raises(ValidationError):
        factory.new_id("bad prefix")

    assert factory.new_id("ord") == "ord_000001"


@pytest.mark.parametrize("width", [0, 1, 3, 6, 9])
def test_sequential_ids_pad_as_the_format_spec_does(width: int) -> None:
    factory = SequentialIds(width=width)

    for number in range(1, 1200):
        assert factory.new_id("ord") == f"ord_{number:0{width}d}"


@pytest.mark.parametrize("width", [-1, True, 2.0, "6"])
def test_sequential_ids_refuse_a_width_that_is_not_a_count_of_digits(width: object) -> None:
    with pytest.raises(ValidationError) as raised:
        SequentialIds(width=width)  # type: ignore[arg-type]

    assert raised.value.field == "width"


def test_sequential_ids_refuse_a_bad_prefix_every_time() -> None:
    factory = SequentialIds()

    for _ in range(2):
        with pytest.raises(ValidationError):
            factory.new_id("no spaces")
    assert factory.new_id("ord") == "ord_000001"


def test_sequential_ids_drawn_by_many_threads_at_once_are_unique_and_dense() -> None:
    factory = SequentialIds()
    start_line = threading.Barrier(8)
    drawn: list[list[str]] = [[] for _ in range(8)]

    def draw(number: int) -> None:
        start_line.wait()
        drawn[number].extend(factory.new_id("ord") for _ in range(5_000))

    pool = [threading.Thread(target=draw, args=(n,)) for n in range(8)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()

    made = [made_id for per_thread in drawn for made_id in per_thread]
    assert sorted(made) == [f"ord_{n:06d}" for n in range(1, 40_001)]


def _child_draw(factory: SortableIds, results: Queue[int]) -> None:
    results.put(factory._draw())


@pytest.mark.skipif(sys.platform == "win32", reason="needs os.fork")
def test_a_forked_child_draws_fresh_randomness_instead_of_the_parents_unread_pool() -> None:
    factory = SortableIds()
    factory._draw()  # the pool is read, and most of it is left for later draws
    context = multiprocessing.get_context("fork")
    results: Queue[int] = context.Queue()
    child = context.Process(target=_child_draw, args=(factory, results))
    child.start()
    child_value = results.get(timeout=30)
    child.join(timeout=30)

    assert child_value != factory._draw()


def test_random_parts_are_drawn_afresh_each_time_and_fit_their_field() -> None:
    factory = SortableIds()
    draws = [factory._draw() for _ in range(1_000)]  # several reads of the pool

    assert len(set(draws)) == len(draws)
    assert all(0 <= value < 2 ** (80 - 1) for value in draws)
    assert max(draws).bit_length() > 70  # the top bits are used, not zero padding


def _decode(text: str) -> int:
    value = 0
    for char in text:
        value = value * 32 + "0123456789ABCDEFGHJKMNPQRSTVWXYZ".index(char)
    return value


def test_sortable_ids_spell_time_then_random_part_across_carries_and_new_milliseconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The factory keeps the text of all but the last two characters while only the last ten
    # bits step; each id must still be the full 128-bit value, spelled out afresh.
    now_ns = [1_750_000_000_000 * 1_000_000]
    monkeypatch.setattr(time, "time_ns", lambda: now_ns[0])
    factory = SortableIds()
    # The third start shares its kept part (2050 >> 10 == 2122 >> 10) with the second run's
    # end, so only the new millisecond tells the factory to spell it again.
    starts = [(1 << 79) - 3, 1023, 2050]
    draws = iter(starts)
    monkeypatch.setattr(factory, "_draw", lambda: next(draws))
    made: list[str] = []
    for step in range(3 * 1_100):
        if step in (1_100, 2_200):
            now_ns[0] += 1_000_000  # a new millisecond draws a new random part
        made.append(factory.new_id("ord"))

    values = [_decode(made_id.removeprefix("ord_")) for made_id in made]
    assert values == sorted(values)
    assert len(set(values)) == len(values)
    first_ms = now_ns[0] // 1_000_000 - 2
    for step, value in enumerate(values):
        millisecond, random_part = value >> 80, value & ((1 << 80) - 1)
        block, offset = divmod(step, 1_100)
        start = starts[block]
        assert millisecond == first_ms + block
        assert random_part == start + offset  # 1023 + 1 carries into the kept part
