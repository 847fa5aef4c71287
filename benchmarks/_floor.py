"""What the lean floor scripts share: errors, actor and clock, plugin hooks, the sealed journal.

The floor scripts (``floor_lifecycle.py``, ``floor_reservations.py``) are measuring sticks that
do not import ``ordercore``; this module is theirs alone. Its name starts with ``_`` so that
CI's benchmark loop does not run it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Final

import attrs
import orjson
import pluggy

JsonDict = dict[str, Any]
JournalEntry = tuple[bytes, str]  # (canonical JSON body, SHA-256 hex of the body)

# ----------------------------------------------------------------------------- errors


class DomainError(Exception):
    """A command or a value the domain refuses."""


class ValidationError(DomainError):
    """Bad input, naming the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class NotFound(DomainError):
    """No such stored thing."""

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"{kind} not found: {key!r}")
        self.kind = kind
        self.key = key


class ConcurrencyConflict(Exception):
    """A stored version changed under the unit of work."""


class Forbidden(Exception):
    """The authorize hook said no."""


def require_text(value: object, field: str) -> str:
    """``value`` if it is a non-blank ``str``; otherwise a ``ValidationError`` naming ``field``."""
    if type(value) is not str or not value.strip():
        raise ValidationError(field, "must be non-empty text")
    return value


def raises(error_type: type[Exception], action: Callable[[], object]) -> Exception:
    """The error ``action`` raised (self-tests only); fails when it raises none."""
    try:
        action()
    except error_type as error:
        return error
    raise AssertionError(f"{error_type.__name__} not raised")


# ----------------------------------------------------------------------------- who and when


@attrs.frozen(slots=True)
class Actor:
    """Who runs the command."""

    id: str
    role: str


class Clock:
    """The wall clock, read once per unit of work."""

    __slots__ = ()

    def now(self) -> datetime:
        return datetime.now(UTC)


# ----------------------------------------------------------------------------- plugin hooks

hookspec = pluggy.HookspecMarker("floor")
hookimpl = pluggy.HookimplMarker("floor")


class FloorSpec:
    """The two hooks every unit of work calls."""

    @hookspec(firstresult=True)
    def authorize(self, actor: Actor, action: str, subject: str | None) -> bool | None:
        """Return True to allow, False to deny."""

    @hookspec
    def event_committed(self, event: object) -> None:
        """Called once per committed event."""


class NoopListener:
    """A registered listener, so that the hook call is not empty."""

    @hookimpl
    def event_committed(self, event: object) -> None:
        return None


def make_plugin_manager(policy: object) -> pluggy.PluginManager:
    """A plugin manager with the script's role ``policy`` and one listener."""
    manager = pluggy.PluginManager("floor")
    manager.add_hookspecs(FloorSpec)
    manager.register(policy)
    manager.register(NoopListener())
    return manager


class Hooks:
    """The hook callers, looked up once: the attribute walk costs on every command otherwise."""

    __slots__ = ("_authorize", "committed")

    def __init__(self, plugins: pluggy.PluginManager) -> None:
        self._authorize = plugins.hook.authorize
        self.committed = plugins.hook.event_committed

    def authorize(self, actor: Actor, action: str, subject: str | None) -> None:
        """Raise ``Forbidden`` unless the policy allows ``action``."""
        if self._authorize(actor=actor, action=action, subject=subject) is not True:
            raise Forbidden(f"{actor.id} may not {action}")


# ----------------------------------------------------------------------------- journal

GENESIS: Final = "0" * 64
_dumps = orjson.dumps
_SORT_KEYS: Final = orjson.OPT_SORT_KEYS
_sha256 = hashlib.sha256


def seal(content: JsonDict, sequence: int, previous_hash: str) -> JournalEntry:
    """The entry as canonical JSON (sorted keys) and its SHA-256.

    The body carries its sequence and the previous entry's hash, so hashing the body alone
    chains every entry to all before it.
    """
    content["sequence"] = sequence
    content["previous_hash"] = previous_hash
    body = _dumps(content, option=_SORT_KEYS)
    return body, _sha256(body).hexdigest()


def verify_chain(journal: Iterable[JournalEntry]) -> list[JsonDict]:
    """Check every hash, link and sequence number; return the decoded entries in order."""
    previous = GENESIS
    contents = []
    for sequence, (body, entry_hash) in enumerate(journal, 1):
        if _sha256(body).hexdigest() != entry_hash:
            raise AssertionError("hash chain broken")
        content = orjson.loads(body)
        if content["previous_hash"] != previous:
            raise AssertionError("previous_hash mismatch")
        if content["sequence"] != sequence:
            raise AssertionError("sequence gap")
        previous = entry_hash
        contents.append(content)
    return contents
