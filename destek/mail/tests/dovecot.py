"""A real IMAP server for tests: Debian's dovecot-imapd on a free local port with its own
configuration (plaintext login, maildir in a temporary directory), shared by the IMAP door's
tests and Settings' connection tests. `extra_config` adds to it (e.g. an OAuth2 passdb)."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from imap_tools import MailBoxUnencrypted

from destek.mail.tests.doors_helpers import free_port, missing_service

PASSWORD = "imap-secret"
DOVECOT_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = {auth_mechanisms}
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = 0
first_valid_gid = 0
mail_location = maildir:~/Maildir
# No chroot: an unprivileged master cannot chroot, and these are throwaway test processes.
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
passdb {{
  driver = static
  args = password={password}
{static_mechanisms}}}
{extra_config}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home/%u
}}
"""


@dataclass
class Dovecot:
    port: int
    log: Path

    def login(self, user: str) -> MailBoxUnencrypted:
        return MailBoxUnencrypted("127.0.0.1", self.port, timeout=10).login(user, PASSWORD)


def _dovecot_binary() -> str:
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.access(binary, os.X_OK):
        missing_service("dovecot is not installed (apt-get install -y dovecot-imapd)")
    return binary


@contextmanager
def run_dovecot(*, auth_mechanisms: str = "plain login", extra_config: str = "",
                static_mechanisms: str = "") -> Iterator[Dovecot]:
    """`extra_config` may use {root}; `static_mechanisms` limits the password passdb."""
    binary = _dovecot_binary()
    # Not under pytest's 0700 tmp_path: dovecot's unprivileged processes must reach it.
    root = Path(tempfile.mkdtemp(prefix="destek-dovecot-"))
    root.chmod(0o755)
    (root / "home").mkdir()
    if os.geteuid() == 0:
        # As root, dovecot refuses to run its login processes or mail access as root: use the
        # accounts the Debian package created.
        mail_user = pwd.getpwnam("dovecot")
        login_user, internal_user = "dovenull", "dovecot"
        os.chown(root / "home", mail_user.pw_uid, mail_user.pw_gid)
    else:
        mail_user = pwd.getpwuid(os.getuid())
        login_user = internal_user = mail_user.pw_name
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(DOVECOT_CONFIG.format(
        root=root, port=port, password=PASSWORD, login_user=login_user,
        auth_mechanisms=auth_mechanisms,
        static_mechanisms=f"  mechanisms = {static_mechanisms}\n" if static_mechanisms else "",
        extra_config=extra_config.replace("{root}", str(root)),
        internal_user=internal_user, internal_group=grp.getgrgid(mail_user.pw_gid).gr_name,
        mail_uid=mail_user.pw_uid, mail_gid=mail_user.pw_gid,
    ))
    server = Dovecot(port=port, log=root / "dovecot.log")
    process = subprocess.Popen(  # noqa: S603  (fixed argv, no shell)
        [binary, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                server.login("probe").logout()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = server.log.read_text() if server.log.exists() else ""
                    pytest.fail(f"dovecot did not start:\n{log[-3000:]}")
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        shutil.rmtree(root, ignore_errors=True)


