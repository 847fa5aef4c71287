"""The fast canonical JSON writer produces exactly the bytes of the standard-library reference.

Every journal hash and idempotency fingerprint depends on these bytes, so a single differing
escape would make stored chains fail to verify after an upgrade.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ordercore.serialization import JSONValue, canonical_json, reference_canonical_json

# Text from every plane, control characters and separators included, with surrogates left out
# because neither writer accepts them as valid UTF-8.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.integers()  # beyond 64 bits: the fallback path
    | TEXT
)
VALUES: st.SearchStrategy[JSONValue] = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=6) | st.dictionaries(TEXT, children, max_size=6),
    max_leaves=40,
)


@given(value=VALUES)
def test_canonical_json_is_byte_for_byte_the_reference_form(value: JSONValue) -> None:
    assert canonical_json(value) == reference_canonical_json(value)


@given(keys=st.lists(TEXT, min_size=2, max_size=8, unique=True))
def test_keys_sort_by_code_point_like_the_reference(keys: list[str]) -> None:
    value = {key: index for index, key in enumerate(keys)}

    assert canonical_json(value) == reference_canonical_json(value)
