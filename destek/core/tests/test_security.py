"""Destek refuses to serve in production without a strong secret key."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from destek.core.security import ensure_secure_secret, secret_key_problem

STRONG = "k3J9_vQx7-Lm2pR8sT4wY6zA1bC5dE0fG7hJ2kL9mN4pQ8rS3tU6vW1xY5zA0bC"


@pytest.mark.parametrize("key", ["", "short", "django-insecure-" + "x" * 60, "a" * 80,
                                 "changeme" + STRONG])
def test_weak_keys_are_named(key):
    assert secret_key_problem(key)


def test_strong_key_passes():
    assert secret_key_problem(STRONG) is None
    ensure_secure_secret(debug=False, key=STRONG, from_env=True)


def test_production_refuses_missing_or_generated_key():
    with pytest.raises(ImproperlyConfigured, match="not set"):
        ensure_secure_secret(debug=False, key=STRONG, from_env=False)
    with pytest.raises(ImproperlyConfigured):
        ensure_secure_secret(debug=False, key="weak", from_env=True)


def test_debug_allows_generated_key():
    ensure_secure_secret(debug=True, key="", from_env=False)
