"""Unit tests for ordercore.privacy: masking of e-mails, phones, text and whole payloads."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore.privacy import (
    PERSONAL_KEYS,
    mask_email,
    mask_personal_data,
    mask_phone,
    mask_text,
)
from ordercore.serialization import JSONValue

SUFFIX_KEYS = ["billing_email", "work_phone", "contact_name", "customer_name"]

EMAILS = st.from_regex(
    r"[a-z0-9][a-z0-9._+-]{0,15}@[a-z0-9-]{1,10}(\.[a-z0-9-]{1,10}){0,2}\.[a-z]{2,6}",
    fullmatch=True,
)
PHONES = st.from_regex(r"\+?[0-9]{2,4}([ -]?[0-9]{2,4}){2,4}", fullmatch=True)
PERSONAL_KEY_NAMES = st.sampled_from(sorted(PERSONAL_KEYS) + SUFFIX_KEYS)
NEUTRAL_KEYS = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True).filter(
    lambda key: key not in PERSONAL_KEYS and not key.endswith(("_email", "_phone", "_name"))
)
NEUTRAL_TEXT = st.text(max_size=20).filter(lambda text: "@" not in text)
NEUTRAL_SCALARS = st.none() | st.booleans() | st.integers() | NEUTRAL_TEXT
NEUTRAL_VALUES: st.SearchStrategy[JSONValue] = st.recursive(
    NEUTRAL_SCALARS | st.lists(NEUTRAL_SCALARS, max_size=4),
    lambda children: st.dictionaries(NEUTRAL_KEYS, children, max_size=4),
    max_leaves=20,
)


@st.composite
def personal_values_nested_at_random_depths(
    draw: st.DrawFn,
) -> tuple[dict[str, JSONValue], str]:
    """A payload holding one e-mail or phone under a personal key, wrapped several times."""
    secret = draw(EMAILS | PHONES)
    value: JSONValue = {draw(PERSONAL_KEY_NAMES): secret, "kind": "customer"}
    for wrapper in draw(st.lists(st.sampled_from(["object", "list", "personal"]), max_size=6)):
        if wrapper == "object":
            value = {draw(NEUTRAL_KEYS): value}
        elif wrapper == "list":
            value = [draw(NEUTRAL_SCALARS), value]
        else:
            value = {draw(PERSONAL_KEY_NAMES): value}
    if not isinstance(value, dict):
        value = {"items": value}
    value["order_id"] = "ord_000001"
    return value, secret


# mask_text, mask_email, mask_phone ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"), [("Ada Lovelace", "A***"), ("x", "x***"), ("Ögedei", "Ö***"), ("", "")]
)
def test_mask_text_keeps_only_the_first_character(value: str, masked: str) -> None:
    assert mask_text(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("ada.lovelace@example.com", "a***@e***.com"),
        ("ada@mail.example.co.uk", "a***@m***.uk"),
        ("root@localhost", "r***@l***"),
        ("@example.com", "@e***.com"),
        ("not an address", "n***"),
    ],
)
def test_mask_email_keeps_the_first_letters_and_the_top_level_domain(
    value: str, masked: str
) -> None:
    assert mask_email(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("+44 7911 123456", "+44********56"),
        ("020 7946 0958", "02*******58"),
        ("  +1-555-0100", "+15****00"),
        ("12345", "12*45"),
        ("1234", "****"),
        ("ext. 12", "**"),
        ("", ""),
    ],
)
def test_mask_phone_keeps_the_plus_and_two_digits_at_each_end(value: str, masked: str) -> None:
    assert mask_phone(value) == masked


@given(phone=PHONES)
def test_mask_phone_hides_all_but_four_digits(phone: str) -> None:
    digits = [char for char in phone if char.isdigit()]

    masked = mask_phone(phone)

    assert masked.lstrip("+").count("*") == len(digits) - 4
    assert masked.lstrip("+").replace("*", "") == "".join(digits[:2] + digits[-2:])


# mask_personal_data: which keys ---------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(PERSONAL_KEYS - {"email", "phone"}))
def test_mask_personal_data_masks_every_personal_key(key: str) -> None:
    assert mask_personal_data({key: "Private Value"}) == {key: "P***"}


@pytest.mark.parametrize("key", SUFFIX_KEYS)
def test_mask_personal_data_masks_keys_ending_in_email_phone_or_name(key: str) -> None:
    masked = mask_personal_data({key: "Private Value"})[key]

    assert isinstance(masked, str)
    assert masked != "Private Value"
    assert "rivate" not in masked


@pytest.mark.parametrize("key", ["Email", "FULL_NAME", "Billing_Email", "POSTCODE"])
def test_mask_personal_data_matches_personal_keys_regardless_of_case(key: str) -> None:
    masked = mask_personal_data({key: "private@example.com"})

    assert masked[key] == "p***@e***.com"


def test_mask_personal_data_masks_emails_and_phones_in_their_own_shapes() -> None:
    masked = mask_personal_data(
        {"email": "ada@example.com", "work_phone": "+44 7911 123456", "full_name": "Ada"}
    )

    assert masked == {"email": "a***@e***.com", "work_phone": "+44********56", "full_name": "A***"}


def test_mask_personal_data_masks_personal_keys_at_any_depth() -> None:
    data: dict[str, JSONValue] = {
        "order": {"customer": {"email": "ada@example.com", "id": "c-1"}},
        "parties": [{"share": 1, "last_name": "Lovelace"}],
    }

    assert mask_personal_data(data) == {
        "order": {"customer": {"email": "a***@e***.com", "id": "c-1"}},
        "parties": [{"share": 1, "last_name": "L***"}],
    }


def test_mask_personal_data_masks_every_text_inside_a_personal_object() -> None:
    data: dict[str, JSONValue] = {"address": {"street": "1 Main St", "country": "GB", "floor": 3}}

    assert mask_personal_data(data) == {
        "address": {"street": "1***", "country": "G***", "floor": 3}
    }


def test_mask_personal_data_masks_email_looking_text_under_any_key() -> None:
    data: dict[str, JSONValue] = {
        "comment": "ada@example.com",
        "history": [{"note": "write to bob@example.org"}, "carol@example.net"],
    }

    masked = mask_personal_data(data)

    assert masked["comment"] == "a***@e***.com"
    assert "example" not in repr(masked)


# mask_personal_data: what is left alone -------------------------------------------------------


def test_mask_personal_data_leaves_non_personal_values_alone() -> None:
    data: dict[str, JSONValue] = {
        "order_id": "ord_000001",
        "total": {"amount": "12.30", "currency": "EUR"},
        "quantity": 3,
        "gift": True,
        "coupon": None,
        "tags": ["express", "fragile"],
    }

    assert mask_personal_data(data) == data


@given(data=st.dictionaries(NEUTRAL_KEYS, NEUTRAL_VALUES, max_size=6))
def test_mask_personal_data_returns_payloads_without_personal_data_unchanged(
    data: dict[str, JSONValue],
) -> None:
    assert mask_personal_data(data) == data


def test_mask_personal_data_leaves_non_personal_fields_of_objects_in_lists_alone() -> None:
    data: dict[str, JSONValue] = {"lines": [{"sku": "SKU-1", "quantity": 2}]}

    assert mask_personal_data(data) == data


def test_mask_personal_data_does_not_change_its_input() -> None:
    data: dict[str, JSONValue] = {"customer": {"email": "ada@example.com"}, "phone": "+44 1"}
    before = copy.deepcopy(data)

    result = mask_personal_data(data)

    assert data == before
    assert result is not data


# mask_personal_data: never the original personal value ----------------------------------------


@given(case=personal_values_nested_at_random_depths())
def test_mask_personal_data_never_returns_an_original_email_or_phone(
    case: tuple[dict[str, JSONValue], str],
) -> None:
    data, secret = case

    masked = mask_personal_data(data)

    assert secret in repr(data)
    assert secret not in repr(masked)


@pytest.mark.parametrize(
    ("data", "secret"),
    [
        ({"phone": ["+44 7911 123456"]}, "7911"),
        ({"address": {"lines": ["1 Main Street", "Flat 2"]}}, "Main Street"),
        ({"name": ["Ada", "Lovelace"]}, "Lovelace"),
    ],
)
def test_mask_personal_data_masks_texts_listed_under_a_personal_key(
    data: dict[str, JSONValue], secret: str
) -> None:
    assert secret not in repr(mask_personal_data(data))


@pytest.mark.parametrize(
    ("data", "secret"),
    [({"zip": 90210}, "90210"), ({"customer": {"phone": 447911123456}}, "447911123456")],
)
def test_mask_personal_data_masks_personal_numbers(data: dict[str, JSONValue], secret: str) -> None:
    assert secret not in repr(mask_personal_data(data))


def test_mask_personal_data_masks_personal_numbers_as_their_text() -> None:
    data: dict[str, JSONValue] = {"zip": 90210, "phone": [447911123456], "address": {"zip": 1}}

    assert mask_personal_data(data) == {
        "zip": "9***",
        "phone": ["44********56"],
        "address": {"zip": "1***"},
    }


def test_mask_personal_data_leaves_flags_and_nulls_under_personal_keys_alone() -> None:
    data: dict[str, JSONValue] = {"email": None, "phone": [True, None]}

    assert mask_personal_data(data) == data


def test_mask_personal_data_masks_personal_keys_of_objects_in_lists_only() -> None:
    data: dict[str, JSONValue] = {
        "lines": [{"sku": "SKU-1", "quantity": 2, "recipient": "Ada", "zip": 90210}]
    }

    assert mask_personal_data(data) == {
        "lines": [{"sku": "SKU-1", "quantity": 2, "recipient": "A***", "zip": "9***"}]
    }
