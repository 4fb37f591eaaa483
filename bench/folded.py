"""`python -m bench.folded FILE [--top N] [--match TEXT]`: where the samples of a py-spy
profile (`--format raw`, as `python -m bench.e2e --profile` writes) went.

Prints each function's inclusive share of the samples (a function counted once per stack),
highest first, leaving out the frames every sample shares (process start, Celery's and
uvicorn's loops) unless --all.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

PLUMBING = ("process ", "_run_module_as_main", "_run_code", "<module>", "main (", "run (",
            "Command.", "Group.invoke", "Context.invoke", "pass_context", "handle_preload",
            "worker (celery", "WorkController", "Blueprint", "StartStopStep", "BasePool",
            "TaskPool", "AsynPool", "Pool.", "BaseProcess", "ForkProcess", "Popen",
            "Worker.", "Thread._bootstrap", "Thread.run", "_worker (concurrent")


def inclusive(path: Path) -> tuple[Counter[str], int]:
    counts: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, samples = line.rpartition(" ")
        if not samples.isdigit():
            continue
        total += int(samples)
        for frame in set(stack.split(";")):
            counts[frame] += int(samples)
    return counts, total


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.folded", description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=50)
    parser.add_argument("--match", default="", help="only frames containing this text")
    parser.add_argument("--all", action="store_true", help="keep the shared frames")
    args = parser.parse_args()
    counts, total = inclusive(args.file)
    print(f"{total} samples")
    shown = 0
    for frame, samples in counts.most_common():
        if not args.all and frame.startswith(PLUMBING):
            continue
        if args.match and args.match not in frame:
            continue
        print(f"{100 * samples / max(total, 1):5.1f} %  {frame[:150]}")
        shown += 1
        if shown >= args.top:
            break


if __name__ == "__main__":
    main()
