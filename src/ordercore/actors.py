"""Who does things: every command names an :class:`Actor`."""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs

from ordercore.errors import ValidationError

__all__ = ["Actor", "ActorKind"]


class ActorKind(enum.Enum):
    """The sort of actor, for policies and the audit trail."""

    USER = "user"
    SYSTEM = "system"
    SERVICE = "service"


def _check_id(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("actor.id", "an actor needs a non-empty id")


def _to_roles(value: object) -> frozenset[str]:
    if isinstance(value, str):
        raise ValidationError("actor.roles", "give a collection of role names, not one string")
    if not isinstance(value, Iterable):
        raise ValidationError(
            "actor.roles", f"give a collection of role names, not {type(value).__name__}"
        )
    # Checked before building the frozenset, which would fail with a bare TypeError on
    # unhashable members such as a nested list.
    roles = list(value)
    if not all(isinstance(role, str) and role for role in roles):
        raise ValidationError("actor.roles", "role names are non-empty strings")
    return frozenset(roles)


@attrs.frozen(slots=True)
class Actor:
    """The person, service or system job behind a command.

    The id goes into the audit journal, so use a stable account id, not a name or an e-mail
    address.

    Attributes:
        id: Stable identifier (``"u-1042"``, ``"svc-webshop"``).
        roles: Role names that permission policies check (``{"reviewer"}``).
        kind: User, system or service.
    """

    id: str = attrs.field(validator=_check_id)
    roles: frozenset[str] = attrs.field(default=frozenset(), converter=_to_roles)
    kind: ActorKind = ActorKind.USER

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """An actor for scheduled jobs and internal steps."""
        return cls(name, frozenset({"system"}), ActorKind.SYSTEM)

    def has_role(self, role: str) -> bool:
        """Whether the actor holds ``role``."""
        return role in self.roles
