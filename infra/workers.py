"""Background threads of the local stack that stop together.

Stopping the stack asks every consumer and schedule to stop at once and then waits for
them against one deadline: waiting for each in turn let a slow moto (a loaded CI machine,
a batch mid-transaction) add one timeout per thread and keep SIGTERM unanswered for a
minute.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class Workers:
    """A set of daemon threads sharing one stop signal."""

    def __init__(self) -> None:
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def spawn(self, name: str, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def request_stop(self) -> None:
        """Ask every thread to stop once its current batch or run is done."""
        self._stopping.set()

    def wait_stopped(self, deadline: float) -> list[str]:
        """Wait until every thread has stopped or `time.monotonic()` reaches `deadline`;
        returns the names of threads still busy (daemon threads: they end with the process)."""
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        return [thread.name for thread in self._threads if thread.is_alive()]

    def stop(self, within: float = 10.0) -> list[str]:
        self.request_stop()
        return self.wait_stopped(time.monotonic() + within)
