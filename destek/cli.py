"""The `destek` command: Django's management commands plus `destek run` and `destek seed`."""

from __future__ import annotations

import io
import os
import sys

# Command names a Python module cannot spell.
ALIASES = {"mail-pipe": "mail_pipe", "mail-reprocess": "mail_reprocess",
           "erase-customer": "erase_customer"}
EX_TEMPFAIL = 75


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "destek.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        args[0] = ALIASES.get(args[0], args[0])
    if args[:1] == ["mail_pipe"]:
        _run_for_mta(args)
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["destek", *args])


def _run_for_mta(args: list[str]) -> None:
    """An MTA reads the exit status: a failure before the message is stored (settings,
    imports) must say "try again later" (EX_TEMPFAIL), never look like a permanent one.

    With DESTEK_MAIL_PIPE_URL set, the message is first handed to the running service
    (destek.mail.doors.pipe_client: no Django, about a tenth of the cost); only when the
    service gives no final answer is Django started to store it directly."""
    try:
        from destek.mail.doors import pipe_client

        exit_code, raw = pipe_client.run(args[1:], stdin=sys.stdin.buffer)
        if exit_code is not None:
            sys.exit(exit_code)
        if raw is not None:  # already read: the direct path reads it from here
            sys.stdin = io.TextIOWrapper(io.BytesIO(raw))
        from django.core.management import execute_from_command_line

        execute_from_command_line(["destek", *args])
    except Exception as error:
        sys.stderr.write(f"destek mail-pipe: {type(error).__name__}: {error}\n")
        sys.exit(EX_TEMPFAIL)


if __name__ == "__main__":
    main()
