"""Acceptance: plugins from entry points are used; broken, misspelled and duplicate ones are
reported with their names."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from ordercore import (
    Actor,
    CommandContext,
    Notification,
    Notifier,
    OrderDesk,
    PluginError,
    StorageBackend,
    ValidationError,
    hookimpl,
    make_plugin_manager,
)
from ordercore.cli.__main__ import main
from ordercore.testing import RecordingNotifier

GOOD_PLUGIN = """
from ordercore import MemoryStorage, Notifier, StorageBackend, hookimpl

SENT = []


class FakeDbStorage(MemoryStorage):
    pass


@hookimpl
def ordercore_storage_backends():
    return [StorageBackend("fakedb", open=FakeDbStorage, description="a test scheme")]


@hookimpl
def ordercore_notifiers():
    return [Notifier("fake-sms", channels=("sms",), send=SENT.append)]
"""

BROKEN_PLUGIN = """
raise RuntimeError("boom at import")
"""

MISSPELLED_PLUGIN = """
from ordercore import hookimpl


@hookimpl
def ordercore_notifers():
    return []
"""

DuplicateFactory = Callable[[str, str], None]


@pytest.fixture
def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], str]:
    """Make a distribution on disk with an ``ordercore`` entry point and put it on sys.path."""
    counter = iter(range(1000))

    def make(distribution: str, source: str) -> str:
        module = f"oc_test_plugin_{distribution.replace('-', '_')}_{next(counter)}"
        root = tmp_path / module
        root.mkdir()
        (root / f"{module}.py").write_text(textwrap.dedent(source))
        info = root / f"{distribution}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 1.0\n"
        )
        (info / "entry_points.txt").write_text(f"[ordercore]\n{distribution} = {module}\n")
        monkeypatch.syspath_prepend(str(root))
        monkeypatch.delitem(sys.modules, module, raising=False)
        return module

    return make


def _notify_sms(ctx: CommandContext) -> None:
    ctx.notify("hello", channel="sms", recipient="+4915100000000", data={"n": 1})


def test_entry_point_plugin_adds_a_storage_scheme_and_a_notifier_that_are_used(
    install: Callable[[str, str], str],
) -> None:
    module = install("acme-ordercore", GOOD_PLUGIN)
    with OrderDesk.open("fakedb://shop") as desk:
        assert type(desk.storage).__name__ == "FakeDbStorage"
        assert "fake-sms" in desk.plugins.notifiers()
        desk.execute(_notify_sms, action="test.notify", actor=Actor("u-1"))
    sent: list[Notification] = sys.modules[module].SENT
    assert [(n.template, n.channel, n.recipient) for n in sent] == [
        ("hello", "sms", "+4915100000000")
    ]
    info = {p.name: p for p in desk.plugins.plugins()}
    assert info["acme-ordercore"].source.startswith("entry point (acme-ordercore 1.0)")
    assert "ordercore_storage_backends" in info["acme-ordercore"].hooks


def test_distribution_whose_import_raises_is_listed_and_the_desk_still_opens(
    install: Callable[[str, str], str],
) -> None:
    install("broken-ordercore", BROKEN_PLUGIN)
    manager = make_plugin_manager()
    (error,) = [e for e in manager.load_errors if e.distribution == "broken-ordercore"]
    assert error.entry_point == "broken-ordercore"
    assert "boom at import" in error.error
    with OrderDesk.open() as desk:
        assert desk.storage.url == "memory://"


def test_misspelled_hook_in_an_entry_point_is_listed_with_the_hook_name(
    install: Callable[[str, str], str],
) -> None:
    install("typo-ordercore", MISSPELLED_PLUGIN)
    manager = make_plugin_manager()
    (error,) = [e for e in manager.load_errors if e.distribution == "typo-ordercore"]
    assert "ordercore_notifers" in error.error
    assert "ordercore_notifiers" in error.error  # the suggestion
    assert "typo-ordercore" not in {p.name for p in manager.plugins()}


def test_misspelled_hook_in_a_host_plugin_is_a_plugin_error_naming_plugin_and_hook() -> None:
    class Typo:
        plugin_name = "host-typo"

        @hookimpl
        def ordercore_notifers(self) -> Iterable[Notifier]:
            return []

    with pytest.raises(PluginError) as caught:
        make_plugin_manager([Typo()], entry_points=False)
    assert caught.value.plugin == "host-typo"
    assert "'ordercore_notifers'" in str(caught.value)
    assert "did you mean 'ordercore_notifiers'" in str(caught.value)


def test_hook_with_wrong_argument_names_is_a_plugin_error() -> None:
    class WrongArgs:
        plugin_name = "wrong-args"

        @hookimpl
        def ordercore_authorize(self, user: object, deed: str) -> bool:
            return True

    with pytest.raises(PluginError, match="wrong-args"):
        make_plugin_manager([WrongArgs()], entry_points=False)


def _sms_plugin(plugin: str) -> object:
    class SmsPlugin:
        plugin_name = plugin

        @hookimpl
        def ordercore_notifiers(self) -> Iterable[Notifier]:
            return [Notifier("sms", channels=("sms",), send=lambda n: None)]

    return SmsPlugin()


def test_two_plugins_registering_one_name_is_a_plugin_error_naming_both() -> None:
    with pytest.raises(PluginError) as caught:
        make_plugin_manager([_sms_plugin("first-sms"), _sms_plugin("second-sms")])
    message = str(caught.value)
    assert "'sms'" in message
    assert "first-sms" in message
    assert "second-sms" in message


def test_a_plugin_may_not_take_a_built_in_name() -> None:
    class Shadow:
        plugin_name = "shadow"

        @hookimpl
        def ordercore_storage_backends(self) -> Iterable[StorageBackend]:
            return [StorageBackend("memory", open=lambda url: None)]  # type: ignore[arg-type,return-value]

    with pytest.raises(PluginError) as caught:
        make_plugin_manager([Shadow()], entry_points=False)
    assert caught.value.plugin == "shadow"
    assert "'memory' is already registered by plugin 'ordercore.storage'" in str(caught.value)


def test_registration_of_the_wrong_type_is_a_plugin_error() -> None:
    class WrongType:
        plugin_name = "wrong-type"

        @hookimpl
        def ordercore_notifiers(self) -> Iterable[object]:
            return [{"name": "dict-notifier"}]

    with pytest.raises(PluginError, match="returned dict, expected Notifier"):
        make_plugin_manager([WrongType()], entry_points=False)


def test_invalid_registration_values_are_refused_on_construction() -> None:
    with pytest.raises(ValidationError, match="name"):
        Notifier("", channels=("email",), send=lambda n: None)
    with pytest.raises(ValidationError, match="channels"):
        Notifier("x", channels=(), send=lambda n: None)
    with pytest.raises(ValidationError, match="send"):
        Notifier("x", channels=("email",), send="not callable")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="scheme"):
        StorageBackend("no spaces", open=lambda url: None)  # type: ignore[arg-type,return-value]


def test_disable_variable_skips_named_entry_points(
    install: Callable[[str, str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    install("broken-ordercore", BROKEN_PLUGIN)
    install("acme-ordercore", GOOD_PLUGIN)
    monkeypatch.setenv("ORDERCORE_DISABLE_PLUGINS", "broken-ordercore, acme-ordercore")
    manager = make_plugin_manager()
    assert manager.load_errors == ()
    assert "fakedb" not in manager.storage_backends()
    all_off = make_plugin_manager(environ={"ORDERCORE_DISABLE_PLUGINS": "all"})
    assert all_off.load_errors == ()


def test_unknown_storage_scheme_names_the_known_ones() -> None:
    with pytest.raises(ValidationError, match=r"no storage backend for 'nosuch'; known: memory"):
        OrderDesk.open("nosuch://x", entry_points=False)
    with pytest.raises(ValidationError, match="url"):
        OrderDesk.open("memory", entry_points=False)


def test_plugins_command_lists_plugins_hooks_and_load_errors(
    install: Callable[[str, str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    install("broken-ordercore", BROKEN_PLUGIN)
    install("acme-ordercore", GOOD_PLUGIN)
    assert main(["--plain", "plugins"]) == 0
    out = capsys.readouterr().out
    assert "acme-ordercore" in out
    assert "ordercore_notifiers" in out
    assert "fakedb://" in out
    assert "broken-ordercore" in out
    assert "boom at import" in out


def test_recording_notifier_registers_under_its_name() -> None:
    recorder = RecordingNotifier("mail", channels=("email",))
    manager = make_plugin_manager([recorder], entry_points=False)
    assert manager.notifiers()["mail"].channels == ("email",)
