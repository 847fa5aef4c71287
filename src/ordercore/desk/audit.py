"""The audit desk: read and verify the journal."""

from __future__ import annotations

from ordercore.audit.journal import ChainVerification, JournalEntry, JournalHead, verify_chain
from ordercore.storage.ports import Storage

__all__ = ["AuditDesk"]


class AuditDesk:
    """Reached as ``desk.audit``."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    def head(self) -> JournalHead:
        """The journal's newest sequence and digest; keep it elsewhere to detect truncation."""
        with self._storage.unit_of_work() as uow:
            return uow.journal.head()

    def verify_journal(
        self, *, against: JournalHead | None = None, after: JournalHead | None = None
    ) -> ChainVerification:
        """Recompute the journal's hash chain.

        Args:
            against: A head saved earlier; detects truncation and rewritten history.
            after: Verify only entries after this trusted head.

        Returns:
            The verification; ``raise_if_broken()`` raises
            :class:`~ordercore.errors.TamperDetected`.
        """
        start = 0 if after is None else after.sequence
        with self._storage.unit_of_work() as uow:
            return verify_chain(uow.journal.read(after=start), against=against, after=after)

    def journal(self, *, after: int = 0, limit: int | None = None) -> list[JournalEntry]:
        """Return journal entries after sequence ``after``, oldest first."""
        with self._storage.unit_of_work() as uow:
            return list(uow.journal.read(after=after, limit=limit))

    def stream(self, stream_type: str, stream_id: str) -> list[JournalEntry]:
        """Return the entries of one aggregate, oldest first."""
        with self._storage.unit_of_work() as uow:
            return uow.journal.stream(stream_type, stream_id)
