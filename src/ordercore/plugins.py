"""The plugin manager: built-in plugins, entry points, validation and typed getters.

:func:`make_plugin_manager` is a factory; there is no global manager. It registers the built-in
plugins, then the plugins the host passes, then the ``ordercore`` entry points one at a time.
An entry point that fails to import, misspells a hook or returns bad registrations is recorded in
:attr:`PluginManager.load_errors` and skipped; the host keeps running. A plugin passed explicitly
by the host fails loudly with :class:`~ordercore.errors.PluginError` instead, since the host
asked for it by name. Two registrations with one name are always a :class:`PluginError` naming
both plugins, because which one should win is the host's decision.
"""

from __future__ import annotations

import difflib
import importlib.metadata
import os
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import Any, TypeVar

import attrs
import pluggy

from ordercore import _builtin_plugins, hookspecs
from ordercore.actors import Actor
from ordercore.audit.checks import AuditCheck
from ordercore.errors import PluginError, ValidationError
from ordercore.events import CommittedEvent
from ordercore.inventory.allocation import AllocationStrategy
from ordercore.notifications import Notifier
from ordercore.review.rules import ReviewRule
from ordercore.shipping.carriers import CarrierAdapter
from ordercore.storage.ports import Storage, StorageBackend

__all__ = [
    "DISABLE_ENV_VAR",
    "PluginInfo",
    "PluginLoadError",
    "PluginManager",
    "make_plugin_manager",
]

DISABLE_ENV_VAR = "ORDERCORE_DISABLE_PLUGINS"
"""Comma-separated entry-point or distribution names to skip; ``all`` skips every entry point."""

T = TypeVar("T")

# hook name -> (attribute that names a registration, expected type, what to call it)
_REGISTRATION_HOOKS: Mapping[str, tuple[str, type[Any], str]] = {
    "ordercore_storage_backends": ("scheme", StorageBackend, "storage scheme"),
    "ordercore_notifiers": ("name", Notifier, "notifier"),
    "ordercore_carriers": ("code", CarrierAdapter, "carrier"),
    "ordercore_review_rules": ("code", ReviewRule, "review rule"),
    "ordercore_audit_checks": ("code", AuditCheck, "audit check"),
    "ordercore_allocation_strategies": ("code", AllocationStrategy, "allocation strategy"),
}


@attrs.frozen(slots=True)
class PluginLoadError:
    """An entry point that could not be used, and why."""

    distribution: str
    entry_point: str
    error: str


@attrs.frozen(slots=True)
class PluginInfo:
    """A registered plugin: its name, where it came from and the hooks it implements."""

    name: str
    source: str
    hooks: tuple[str, ...]


def _plugin_name(plugin: object) -> str:
    if isinstance(plugin, ModuleType):
        return plugin.__name__
    explicit = getattr(plugin, "plugin_name", None)
    return explicit if isinstance(explicit, str) and explicit else type(plugin).__name__


class PluginManager:
    """ordercore's typed view over a :class:`pluggy.PluginManager`.

    Build it with :func:`make_plugin_manager`. Registrations are collected and validated once,
    when the manager is built, so a conflict shows up when the desk opens, not mid-command.
    """

    def __init__(
        self,
        pm: pluggy.PluginManager,
        sources: Mapping[str, str],
        load_errors: Iterable[PluginLoadError],
    ) -> None:
        self._pm = pm
        self._sources = dict(sources)
        self._load_errors = tuple(load_errors)
        self._registrations = {hook: self._collect(hook) for hook in _REGISTRATION_HOOKS}
        self._authorizers = bool(pm.hook.ordercore_authorize.get_hookimpls())

    @property
    def pluggy(self) -> pluggy.PluginManager:
        """The underlying pluggy manager, for advanced use."""
        return self._pm

    @property
    def load_errors(self) -> tuple[PluginLoadError, ...]:
        """Entry points that were skipped, with their errors."""
        return self._load_errors

    def plugins(self) -> list[PluginInfo]:
        """Describe every registered plugin, in registration order."""
        infos = []
        for name, plugin in self._pm.list_name_plugin():
            if plugin is None:
                continue
            hooks = sorted(caller.name for caller in self._pm.get_hookcallers(plugin) or ())
            infos.append(PluginInfo(name, self._sources.get(name, "explicit"), tuple(hooks)))
        return infos

    def _collect(self, hook_name: str) -> dict[str, Any]:
        key_attribute, expected, noun = _REGISTRATION_HOOKS[hook_name]
        collected: dict[str, Any] = {}
        providers: dict[str, str] = {}
        caller = getattr(self._pm.hook, hook_name)
        # pluggy lists implementations in registration order: built-ins first, so the message
        # blames the plugin that came later.
        for impl in caller.get_hookimpls():
            for item in _call_registration_hook(impl, hook_name, expected):
                key = getattr(item, key_attribute)
                if key in collected:
                    raise PluginError(
                        impl.plugin_name,
                        f"{noun} {key!r} is already registered by plugin "
                        f"{providers[key]!r}; disable one of them",
                    )
                collected[key] = item
                providers[key] = impl.plugin_name
        return collected

    def storage_backends(self) -> dict[str, StorageBackend]:
        """Storage backends by URL scheme."""
        return dict(self._registrations["ordercore_storage_backends"])

    def notifiers(self) -> dict[str, Notifier]:
        """Notifiers by name."""
        return dict(self._registrations["ordercore_notifiers"])

    def carriers(self) -> dict[str, CarrierAdapter]:
        """Carrier adapters by code."""
        return dict(self._registrations["ordercore_carriers"])

    def review_rules(self) -> dict[str, ReviewRule]:
        """Plugin review rules by code."""
        return dict(self._registrations["ordercore_review_rules"])

    def audit_checks(self) -> dict[str, AuditCheck]:
        """Plugin audit checks by code."""
        return dict(self._registrations["ordercore_audit_checks"])

    def allocation_strategies(self) -> dict[str, AllocationStrategy]:
        """Plugin allocation strategies by code."""
        return dict(self._registrations["ordercore_allocation_strategies"])

    def open_storage(self, url: str) -> Storage:
        """Open the storage a URL names, through the backend registered for its scheme.

        Raises:
            ValidationError: If the URL has no scheme or no backend serves it.
        """
        scheme, separator, _ = url.partition("://")
        if not separator or not scheme:
            raise ValidationError("url", f"expected '<scheme>://...', got {url!r}")
        backends = self._registrations["ordercore_storage_backends"]
        backend: StorageBackend | None = backends.get(scheme)
        if backend is None:
            known = ", ".join(sorted(backends)) or "none"
            raise ValidationError("url", f"no storage backend for {scheme!r}; known: {known}")
        return backend.open(url)

    def authorize(self, actor: Actor, action: str, subject: str) -> bool:
        """Ask every ``ordercore_authorize`` implementation; any ``False`` denies."""
        if not self._authorizers:
            return True
        verdicts = self._pm.hook.ordercore_authorize(actor=actor, action=action, subject=subject)
        return all(verdict is not False for verdict in verdicts)

    def event_listeners(self) -> tuple[str, ...]:
        """Names of the plugins that implement ``ordercore_event_committed``."""
        impls = self._pm.hook.ordercore_event_committed.get_hookimpls()
        return tuple(impl.plugin_name for impl in impls)

    def deliver_event(self, listener: str, event: CommittedEvent) -> None:
        """Call one plugin's ``ordercore_event_committed`` (each listener retries on its own).

        Raises:
            PluginError: If no registered plugin of that name listens (it was removed).
        """
        for impl in self._pm.hook.ordercore_event_committed.get_hookimpls():
            if impl.plugin_name == listener:
                impl.function(event=event)
                return
        raise PluginError(listener, "is no longer registered as an event listener")


def _call_registration_hook(impl: Any, hook_name: str, expected: type[Any]) -> list[Any]:
    try:
        items = list(impl.function() or ())
    except PluginError:
        raise
    except Exception as exc:
        raise PluginError(impl.plugin_name, f"{hook_name} raised {exc!r}") from exc
    for item in items:
        if not isinstance(item, expected):
            raise PluginError(
                impl.plugin_name,
                f"{hook_name} returned {type(item).__name__}, expected {expected.__name__}",
            )
    return items


def _unknown_hooks(pm: pluggy.PluginManager, plugin: object) -> list[str]:
    callers = pm.get_hookcallers(plugin) or []
    return sorted(caller.name for caller in callers if not caller.has_spec())


def _register_checked(pm: pluggy.PluginManager, plugin: object, name: str) -> None:
    """Register ``plugin`` and refuse unknown hooks or bad registrations (unregistering it)."""
    try:
        pm.register(plugin, name=name)
    except ValueError as exc:  # pluggy: name already registered, or plugin already registered
        raise PluginError(name, str(exc)) from exc
    except pluggy.PluginValidationError as exc:
        raise PluginError(name, str(exc)) from exc
    unknown = _unknown_hooks(pm, plugin)
    if unknown:
        pm.unregister(plugin)
        known = [n for n in dir(hookspecs) if n.startswith(hookspecs.PROJECT_NAME + "_")]
        hints = []
        for hook in unknown:
            close = difflib.get_close_matches(hook, known, n=1)
            hints.append(f"{hook!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise PluginError(name, "implements unknown hook " + ", ".join(hints))
    for hook_name, (_, expected, _) in _REGISTRATION_HOOKS.items():
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            if impl.plugin is plugin:
                try:
                    _call_registration_hook(impl, hook_name, expected)
                except PluginError:
                    pm.unregister(plugin)
                    raise


def _disabled_names(environ: Mapping[str, str]) -> frozenset[str]:
    raw = environ.get(DISABLE_ENV_VAR, "")
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def _load_entry_points(
    pm: pluggy.PluginManager, disabled: frozenset[str], sources: dict[str, str]
) -> list[PluginLoadError]:
    errors: list[PluginLoadError] = []
    if "all" in disabled or "*" in disabled:
        return errors
    seen: set[tuple[str, str]] = set()
    distributions = sorted(
        importlib.metadata.distributions(), key=lambda d: (d.metadata["Name"] or "").lower()
    )
    for distribution in distributions:
        dist_name = distribution.metadata["Name"] or "?"
        for entry_point in distribution.entry_points:
            if entry_point.group != hookspecs.PROJECT_NAME:
                continue
            if (dist_name, entry_point.name) in seen:
                continue  # the same distribution found twice on sys.path
            seen.add((dist_name, entry_point.name))
            if entry_point.name in disabled or dist_name in disabled:
                continue
            try:
                plugin = entry_point.load()
                _register_checked(pm, plugin, entry_point.name)
            except Exception as exc:  # a broken plugin must never take the host down
                errors.append(PluginLoadError(dist_name, entry_point.name, f"{exc!r}"))
                continue
            sources[entry_point.name] = f"entry point ({dist_name} {distribution.version})"
    return errors


def make_plugin_manager(
    plugins: Iterable[object] = (),
    *,
    entry_points: bool = True,
    environ: Mapping[str, str] | None = None,
) -> PluginManager:
    """Build a plugin manager with the built-ins, ``plugins`` and the installed entry points.

    Args:
        plugins: Plugin objects or modules from the host, registered after the built-ins. A
            plugin may set a ``plugin_name`` attribute; otherwise its class or module name is used.
        entry_points: Whether to load the ``ordercore`` entry-point group.
        environ: Where to read ``ORDERCORE_DISABLE_PLUGINS`` (defaults to ``os.environ``).

    Returns:
        A :class:`PluginManager`.

    Raises:
        PluginError: If a host plugin misspells a hook or returns bad registrations, or if two
            plugins register the same name.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    sources: dict[str, str] = {}
    for name, plugin in _builtin_plugins.builtin_plugins():
        _register_checked(pm, plugin, name)
        sources[name] = "built-in"
    for plugin in plugins:
        _register_checked(pm, plugin, _plugin_name(plugin))
    errors: list[PluginLoadError] = []
    if entry_points:
        disabled = _disabled_names(os.environ if environ is None else environ)
        errors = _load_entry_points(pm, disabled, sources)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:  # belt and braces: nothing should reach here
        raise PluginError(getattr(exc, "plugin_name", "?"), str(exc)) from exc
    return PluginManager(pm, sources, errors)
