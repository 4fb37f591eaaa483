"""Who sent an email: Authentication-Results (RFC 8601) and ARC (RFC 8617) from trusted hosts
only, DMARC first, else SPF/DKIM aligned with the From domain (issue 12, hole 2)."""

from __future__ import annotations

import pytest

from destek.mail.authentication import (
    aligned,
    organizational_domain,
    parse_header,
    sender_verified,
    trusted_authserv_ids,
)
from destek.mail.parsing import parse_email

TRUSTED = frozenset({"mx.destek.example"})


def verified(*results: str, sender: str = "ayse@customer.example", arc: tuple[str, ...] = (),
             seals: tuple[str, ...] = ()) -> bool:
    return sender_verified(from_address=sender, authentication_results=results,
                           arc_authentication_results=arc, arc_seals=seals, trusted=TRUSTED)


def test_dmarc_pass_from_the_trusted_host_verifies():
    assert verified("mx.destek.example; dmarc=pass (p=reject) header.from=customer.example")


def test_dmarc_fail_is_not_overridden_by_a_passing_spf():
    assert not verified("mx.destek.example; spf=pass smtp.mailfrom=customer.example; "
                        "dmarc=fail (p=none) header.from=customer.example")


def test_dmarc_for_another_domain_says_nothing_about_the_from_domain():
    assert not verified("mx.destek.example; dmarc=pass header.from=evil.example")


def test_the_same_verdict_from_an_untrusted_authserv_id_is_ignored():
    forged = "mx.google.com; dmarc=pass header.from=customer.example; dkim=pass " \
             "header.d=customer.example; spf=pass smtp.mailfrom=customer.example"
    assert not verified(forged)
    # and the forged one does not outweigh the trusted host's own "fail"
    assert not verified("mx.destek.example; dmarc=fail header.from=customer.example", forged)


def test_without_a_trusted_host_configured_nobody_is_verified(settings):
    settings.DESTEK_MAIL_TRUSTED_AUTHSERV_IDS = []
    assert trusted_authserv_ids() == frozenset()
    assert not sender_verified(
        from_address="ayse@customer.example",
        authentication_results=["mx.destek.example; dmarc=pass header.from=customer.example"])
    settings.DESTEK_MAIL_TRUSTED_AUTHSERV_IDS = ["MX.Destek.example "]
    assert sender_verified(
        from_address="ayse@customer.example",
        authentication_results=["mx.destek.example; dmarc=pass header.from=customer.example"])


@pytest.mark.parametrize("result, expected", [
    ("spf=pass smtp.mailfrom=bounce@customer.example", True),
    ("spf=pass smtp.mailfrom=em123.mail.customer.example", True),  # relaxed alignment
    ("dkim=pass header.d=customer.example header.s=sel", True),
    ("dkim=pass header.i=@news.customer.example", True),
    ("spf=pass smtp.mailfrom=attacker@evil.example", False),  # passes, but for another domain
    ("dkim=pass header.d=evil.example", False),
    ("spf=softfail smtp.mailfrom=customer.example", False),
    ("dkim=fail header.d=customer.example", False),
    ("dmarc=none header.from=customer.example; spf=pass smtp.mailfrom=customer.example", True),
    ("dmarc=none header.from=customer.example; spf=fail smtp.mailfrom=customer.example", False),
])
def test_without_dmarc_an_aligned_spf_or_dkim_pass_verifies(result, expected):
    assert verified(f"mx.destek.example; {result}") is expected


def test_alignment_stops_at_the_public_suffix():
    assert organizational_domain("mail.example.co.uk") == "example.co.uk"
    assert aligned("bounce.example.co.uk", "example.co.uk")
    assert not aligned("evil.co.uk", "example.co.uk")
    assert not aligned("attacker.github.io", "victim.github.io")
    assert not verified("mx.destek.example; spf=pass smtp.mailfrom=attacker.github.io",
                        sender="victim@victim.github.io")


def test_malformed_headers_are_ignored_not_raised():
    assert parse_header("spf=none (sender IP is ) smtp.mailfrom=<>;") is None
    assert parse_header("mx.destek.example; dmarc=") is None
    assert not verified("garbage", "mx.destek.example; ;;;", "")
    assert not verified("mx.destek.example; dmarc=pass header.from=customer.example",
                        sender="no address")


ARC_TRUSTED = frozenset({"mx.destek.example", "mx.google.com"})


def arc_verified(own: str, aar: str, seal: str) -> bool:
    return sender_verified(from_address="ayse@customer.example",
                           authentication_results=[own], arc_authentication_results=[aar],
                           arc_seals=[seal], trusted=ARC_TRUSTED)


def test_arc_counts_when_the_chain_validated_and_a_trusted_forwarder_sealed_it():
    own = "mx.destek.example; spf=fail smtp.mailfrom=lists.example; arc=pass (i=1)"
    aar = "i=1; mx.google.com; dmarc=pass header.from=customer.example"
    seal = "i=1; a=rsa-sha256; t=1; cv=none; d=google.com; s=arc-20160816; b=abc"
    assert arc_verified(own, aar, seal)
    # forwarding broke DMARC at our host: the trusted forwarder's verdict still counts
    assert arc_verified("mx.destek.example; spf=fail smtp.mailfrom=lists.example; "
                        "dmarc=fail header.from=customer.example; arc=pass", aar, seal)
    # …but a failing verdict of theirs does not become a pass
    assert not arc_verified(own, aar.replace("dmarc=pass", "dmarc=fail"), seal)
    # the chain did not validate
    assert not arc_verified(own.replace("arc=pass", "arc=fail"), aar, seal)
    # sealed by someone else claiming a trusted forwarder's authserv-id
    assert not arc_verified(own, aar, seal.replace("d=google.com", "d=evil.example"))
    # an untrusted forwarder's verdict
    assert not arc_verified(own, aar.replace("mx.google.com", "mx.evil.example"),
                            seal.replace("d=google.com", "d=evil.example"))


def test_the_parser_keeps_every_authentication_header_in_order():
    raw = (b"Authentication-Results: mx.destek.example;\r\n\tdmarc=pass header.from=c.example\r\n"
           b"ARC-Seal: i=1; d=google.com; cv=none\r\n"
           b"ARC-Authentication-Results: i=1; mx.google.com; spf=pass smtp.mailfrom=c.example\r\n"
           b"Authentication-Results: mx.other.example; none\r\n"
           b"From: a@c.example\r\nSubject: x\r\n\r\nbody\r\n")
    mail = parse_email(raw)
    assert len(mail.authentication_results) == 2
    assert mail.authentication_results[0].split()[0] == "mx.destek.example;"
    assert mail.arc_authentication_results[0].startswith("i=1;")
    assert mail.arc_seals[0].startswith("i=1;")
    assert parse_header(mail.authentication_results[0]) is not None
