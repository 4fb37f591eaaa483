"""Secret-key rules: Destek refuses to start in production on a missing or weak key."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

MIN_SECRET_LENGTH = 50
MIN_UNIQUE_CHARACTERS = 5
KNOWN_WEAK_PREFIXES = ("django-insecure", "changeme", "change-me", "secret", "destek")
HSTS_DEFAULT_SECONDS = 365 * 24 * 3600


def hsts_seconds(*, base_url: str, configured: int | None) -> int:
    """Strict-Transport-Security's max-age: a year (or `configured`) when Destek is served over
    https, 0 (no header) over http, whatever was configured."""
    if not base_url.lower().startswith("https://"):
        return 0
    return HSTS_DEFAULT_SECONDS if configured is None else max(configured, 0)


def secret_key_problem(key: str) -> str | None:
    """Return why `key` is unfit for production, or None when it is fine."""
    if not key:
        return "SECRET_KEY is not set"
    if len(key) < MIN_SECRET_LENGTH:
        return f"SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters"
    if len(set(key)) < MIN_UNIQUE_CHARACTERS:
        return "SECRET_KEY has too few distinct characters"
    if key.lower().startswith(KNOWN_WEAK_PREFIXES):
        return "SECRET_KEY is a well-known placeholder"
    return None


def ensure_secure_secret(*, debug: bool, key: str, from_env: bool) -> None:
    """Called before serving: with DEBUG off a missing or unfit key stops the process."""
    if debug:
        return
    problem = secret_key_problem(key if from_env else "")
    if problem:
        raise ImproperlyConfigured(
            f"{problem}. Set SECRET_KEY to a random value of at least {MIN_SECRET_LENGTH} "
            "characters, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(64))'`."
        )


def ephemeral_secret_key() -> str:
    return secrets.token_urlsafe(64)


def development_secret_key(data_dir: Path) -> str:
    """A random key generated once per data directory, for DEBUG (demo) installs only."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(64)
    path.write_text(key)
    path.chmod(0o600)
    return key
