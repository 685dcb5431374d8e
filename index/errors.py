"""Errors of the index's storage, shared by the store and its lock."""


class StoreError(RuntimeError):
    """The index cannot be opened or written; the message says where and what to do."""
