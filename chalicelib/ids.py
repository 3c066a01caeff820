"""Identifiers for new records: a kind prefix and a ULID (unique, sortable by creation).

python-ulid costs ~35 ms to import, paid only by the requests that create something.
"""

from __future__ import annotations


def new_id(prefix: str) -> str:
    """`cit-01jd...`: lower-case, so ids read the same in URLs, logs and SMS."""
    from ulid import ULID  # deferred: see module docstring

    return f"{prefix}-{str(ULID()).lower()}"
