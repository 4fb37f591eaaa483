from __future__ import annotations

import time

from destek.webhooks import signing


def test_a_signed_body_verifies_and_any_change_breaks_it():
    secret = signing.new_secret()
    body = ('{"id":"e1","type":"ticket.created","data":{"subject":"Sitem açılmıyor"}}'
            .encode())
    header = signing.signature(secret, body)
    assert header.startswith("t=") and ",v1=" in header
    assert signing.verify(secret, header, body)
    assert not signing.verify(secret, header, body.replace(b"e1", b"e2"))  # tampered body
    assert not signing.verify(signing.new_secret(), header, body)  # another secret
    stamp, digest = header.split(",")
    forged = f"t={int(stamp[2:]) + 1},{digest}"  # the timestamp is signed too
    assert not signing.verify(secret, forged, body)
    assert not signing.verify(secret, "", body)
    assert not signing.verify(secret, "t=abc,v1=00", body)
    assert not signing.verify(secret, f"t={int(time.time())}", body)


def test_a_stale_timestamp_is_refused_within_the_tolerance_accepted():
    secret = signing.new_secret()
    body = b"{}"
    old = int(time.time()) - 301
    header = signing.signature(secret, body, timestamp=old)
    assert not signing.verify(secret, header, body)  # replayed after 5 minutes
    assert signing.verify(secret, header, body, tolerance=600)
    recent = signing.signature(secret, body, timestamp=int(time.time()) - 299)
    assert signing.verify(secret, recent, body)


def test_a_header_with_two_signatures_verifies_with_either_secret():
    old_secret, new_secret = signing.new_secret(), signing.new_secret()
    body = b'{"a":1}'
    now = int(time.time())
    both = (signing.signature(old_secret, body, timestamp=now) + ","
            + signing.signature(new_secret, body, timestamp=now).split(",")[1])
    assert signing.verify(old_secret, both, body) and signing.verify(new_secret, both, body)


def test_secrets_are_random_and_stored_sealed():
    one, two = signing.new_secret(), signing.new_secret()
    assert one != two and len(one) > 40
    sealed = signing.seal_secret(one)
    assert one not in sealed
    assert signing.unseal_secret(sealed) == one
