"""A progress line for `destek seed` (redrawn on a terminal, every tenth in a log)."""

from __future__ import annotations

import time
from typing import Any


class Progress:
    def __init__(self, total: int, stream: Any, enabled: bool) -> None:
        self.total = total
        self.stream = stream
        self.enabled = enabled
        self.started = time.perf_counter()
        self.tty = enabled and hasattr(stream, "isatty") and stream.isatty()
        self.last_tenth = -1

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        share = done / self.total if self.total else 1.0
        elapsed = time.perf_counter() - self.started
        rate = done / elapsed if elapsed else 0.0
        width = 30
        bar = "#" * int(share * width) + "-" * (width - int(share * width))
        line = f"[{bar}] {share:6.1%} {done:,}/{self.total:,} tickets {elapsed:6.1f}s " \
               f"{rate:,.0f}/s"
        if self.tty:
            self.stream.write("\r" + line)
            if done >= self.total:
                self.stream.write("\n")
        elif int(share * 10) != self.last_tenth or done >= self.total:
            self.last_tenth = int(share * 10)
            self.stream.write(line + "\n")
        self.stream.flush()
