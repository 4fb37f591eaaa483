"""Secrets sealed with a key derived from SECRET_KEY."""

from __future__ import annotations

import pytest

from destek.core.sealing import Unreadable, seal, unseal


def test_a_sealed_secret_reads_back_only_with_its_key_and_purpose(settings) -> None:  # type: ignore[no-untyped-def]
    token = seal("s3cret", purpose="a")
    assert "s3cret" not in token and unseal(token, purpose="a") == "s3cret"
    with pytest.raises(Unreadable):
        unseal(token, purpose="b")
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "rotated-" * 8
    with pytest.raises(Unreadable):
        unseal(token, purpose="a")
    settings.SECRET_KEY_FALLBACKS = [old]
    assert unseal(token, purpose="a") == "s3cret"
    assert seal("", purpose="a") == "" and unseal("", purpose="a") == ""
