"""The built-in role policy: actions that need one of a set of roles."""

from __future__ import annotations

from collections.abc import Mapping

from ordercore.actors import Actor
from ordercore.hookspecs import hookimpl

__all__ = ["RolePolicy"]


class RolePolicy:
    """An ``ordercore_authorize`` plugin built from ``DeskConfig.required_roles``.

    An action listed exactly, or under a prefix ``"review.*"``, requires any one of its roles;
    other actions get no opinion (``None``), leaving them to other policies. An exact rule beats
    any prefix rule, and among prefix rules the longest matching one applies.
    """

    plugin_name = "ordercore.roles"

    def __init__(self, required_roles: Mapping[str, frozenset[str]]) -> None:
        self._exact = {k: v for k, v in required_roles.items() if not k.endswith(".*")}
        # Longest first, so that the most specific matching prefix wins whatever order the
        # rules were listed in: "review.admin.*" must not be shadowed by "review.*".
        self._prefixes = sorted(
            ((k[:-1], v) for k, v in required_roles.items() if k.endswith(".*")),
            key=lambda rule: len(rule[0]),
            reverse=True,
        )

    def roles_for(self, action: str) -> frozenset[str] | None:
        """Return the roles that may perform ``action``, or ``None`` if it is not restricted."""
        if action in self._exact:
            return self._exact[action]
        for prefix, roles in self._prefixes:
            if action.startswith(prefix):
                return roles
        return None

    @hookimpl
    def ordercore_authorize(self, actor: Actor, action: str, subject: str) -> bool | None:
        """Deny an actor without any of the action's roles."""
        del subject  # roles are per action; subject-level rules belong in host policies
        roles = self.roles_for(action)
        if roles is None:
            return None
        return bool(roles & actor.roles)
