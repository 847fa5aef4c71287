"""Unit tests for ordercore.errors: one hierarchy, messages that name the object and the reason."""

from __future__ import annotations

import inspect

import pytest

import ordercore.errors as errors_module
from ordercore.errors import (
    ConcurrencyConflict,
    CurrencyMismatch,
    IdempotencyConflict,
    InsufficientStock,
    InvalidTransition,
    NotFound,
    OrderCoreError,
    PermissionDenied,
    PluginError,
    StorageError,
    TamperDetected,
    ValidationError,
)

SAMPLES: list[OrderCoreError] = [
    ValidationError("lines[2].quantity", "must be at least 1"),
    CurrencyMismatch("amount", "EUR", "USD"),
    NotFound("order", "ord_42"),
    InvalidTransition("order ord_42", "shipped", "cancel", "already left the warehouse"),
    InsufficientStock("SKU-1", "berlin", 5, 2),
    ConcurrencyConflict("order", "ord_42", 3, 4),
    IdempotencyConflict("key-1", "order.cancel"),
    PermissionDenied("u-7", "order.cancel", "ord_42", "needs manager"),
    PluginError("acme.audit", "hook 'ordercore_authorise' is misspelled"),
    StorageError("sqlite: database is locked"),
    TamperDetected(7, "contents do not match the entry's hash"),
]


def error_classes() -> list[type[BaseException]]:
    return [
        value
        for name, value in vars(errors_module).items()
        if inspect.isclass(value)
        and issubclass(value, BaseException)
        and name in errors_module.__all__
    ]


def test_every_public_error_class_derives_from_order_core_error() -> None:
    classes = error_classes()

    assert set(classes) >= {type(sample) for sample in SAMPLES} | {OrderCoreError}
    assert all(issubclass(cls, OrderCoreError) for cls in classes)


def test_every_name_exported_by_the_errors_module_is_an_error_class() -> None:
    assert {cls.__name__ for cls in error_classes()} == set(errors_module.__all__)


@pytest.mark.parametrize("error", SAMPLES, ids=lambda error: type(error).__name__)
def test_every_error_is_an_exception_caught_as_order_core_error(error: OrderCoreError) -> None:
    with pytest.raises(OrderCoreError) as caught:
        raise error

    assert caught.value is error


def test_a_validation_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"^lines\[2\]\.quantity: must be at least 1$"):
        raise ValidationError("lines[2].quantity", "must be at least 1")


def test_a_currency_mismatch_is_a_validation_error_and_a_value_error() -> None:
    error = CurrencyMismatch("amount", "EUR", "USD")

    assert isinstance(error, ValidationError)
    assert isinstance(error, ValueError)


def test_not_found_is_a_lookup_error() -> None:
    with pytest.raises(LookupError, match="order 'ord_42' not found"):
        raise NotFound("order", "ord_42")


@pytest.mark.parametrize(
    "error",
    [
        InvalidTransition("order o", "new", "ship"),
        InsufficientStock("s", "l", 1, 0),
        ConcurrencyConflict("order", "o", 1, None),
        IdempotencyConflict("k", "a"),
        PermissionDenied("u", "a", "s"),
        PluginError("p", "r"),
        StorageError("x"),
        TamperDetected(1, "r"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_other_errors_are_not_value_or_lookup_errors(error: OrderCoreError) -> None:
    assert not isinstance(error, ValueError | LookupError)


# Messages and attributes ----------------------------------------------------------------------


def test_validation_error_names_the_field_and_the_reason() -> None:
    error = ValidationError("lines[2].quantity", "must be at least 1")

    assert (error.field, error.reason) == ("lines[2].quantity", "must be at least 1")
    assert str(error) == "lines[2].quantity: must be at least 1"


def test_currency_mismatch_names_the_field_and_both_currencies() -> None:
    error = CurrencyMismatch("total", "EUR", "USD")

    assert (error.field, error.left, error.right) == ("total", "EUR", "USD")
    assert str(error) == "total: cannot combine EUR with USD; convert one of them first"
    assert error.reason == "cannot combine EUR with USD; convert one of them first"


def test_not_found_names_the_kind_and_the_key() -> None:
    error = NotFound("customer", "cus_9")

    assert (error.kind, error.key) == ("customer", "cus_9")
    assert str(error) == "customer 'cus_9' not found"


def test_invalid_transition_names_the_aggregate_state_command_and_reason() -> None:
    error = InvalidTransition("order ord_42", "shipped", "cancel", "already left the warehouse")

    assert (error.aggregate, error.state, error.command, error.reason) == (
        "order ord_42",
        "shipped",
        "cancel",
        "already left the warehouse",
    )
    assert str(error) == "order ord_42: cannot cancel when shipped: already left the warehouse"


def test_invalid_transition_without_a_reason_has_no_trailing_colon() -> None:
    error = InvalidTransition("order ord_42", "new", "ship")

    assert error.reason == ""
    assert str(error) == "order ord_42: cannot ship when new"


def test_insufficient_stock_names_the_sku_location_and_quantities() -> None:
    error = InsufficientStock("SKU-1", "berlin", 5, 2)

    assert (error.sku, error.location, error.requested, error.available) == (
        "SKU-1",
        "berlin",
        5,
        2,
    )
    assert str(error) == "sku 'SKU-1' at 'berlin': requested 5, only 2 available"


def test_concurrency_conflict_names_the_expected_and_found_versions() -> None:
    error = ConcurrencyConflict("order", "ord_42", 3, 4)

    assert (error.kind, error.key, error.expected, error.actual) == ("order", "ord_42", 3, 4)
    assert str(error) == "order 'ord_42': expected version 3, found version 4"


def test_concurrency_conflict_says_when_the_object_does_not_exist() -> None:
    error = ConcurrencyConflict("order", "ord_42", 3, None)

    assert error.actual is None
    assert str(error) == "order 'ord_42': expected version 3, it does not exist"


def test_idempotency_conflict_names_the_key_and_the_new_action() -> None:
    error = IdempotencyConflict("key-1", "order.cancel")

    assert (error.key, error.action) == ("key-1", "order.cancel")
    assert "'key-1'" in str(error)
    assert "now order.cancel" in str(error)
    assert "use a new key" in str(error)


def test_permission_denied_names_the_actor_action_subject_and_reason() -> None:
    error = PermissionDenied("u-7", "order.cancel", "ord_42", "needs manager")

    assert (error.actor, error.action, error.subject, error.reason) == (
        "u-7",
        "order.cancel",
        "ord_42",
        "needs manager",
    )
    assert str(error) == "actor 'u-7' may not order.cancel 'ord_42': needs manager"


def test_permission_denied_without_a_reason_has_no_trailing_colon() -> None:
    assert str(PermissionDenied("u-7", "order.cancel", "ord_42")) == (
        "actor 'u-7' may not order.cancel 'ord_42'"
    )


def test_plugin_error_names_the_plugin_and_the_reason() -> None:
    error = PluginError("acme.audit", "hook 'ordercore_authorise' is misspelled")

    assert (error.plugin, error.reason) == (
        "acme.audit",
        "hook 'ordercore_authorise' is misspelled",
    )
    assert str(error) == "plugin 'acme.audit': hook 'ordercore_authorise' is misspelled"


def test_storage_error_keeps_its_message() -> None:
    assert str(StorageError("sqlite: database is locked")) == "sqlite: database is locked"


def test_tamper_detected_names_the_sequence_and_the_reason() -> None:
    error = TamperDetected(7, "contents do not match the entry's hash")

    assert (error.sequence, error.reason) == (7, "contents do not match the entry's hash")
    assert str(error) == "journal entry 7: contents do not match the entry's hash"
