"""`celery -A bench.floor_worker worker …`: the production worker (destek.worker) with one more
task, which does nothing: the round trip of a task through the broker, and nothing else."""

from __future__ import annotations

from destek.worker import app

__all__ = ["app", "noop"]

NOOP = "bench.floor.noop"


@app.task(name=NOOP)
def noop(n: int = 0) -> None:
    return None
