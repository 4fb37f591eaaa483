"""Matching a message's text to one of the customer's services (no database)."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from destek.hosting.matching import domains_named, match_service, normalize_domain
from destek.hosting.models import Service, ServiceStatus

LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
TLD = st.sampled_from(["com", "net", "org", "com.tr", "co.uk", "io", "web.tr"])
DOMAIN = st.builds(lambda name, tld: f"{name}.{tld}", LABEL, TLD)
# What may stand next to a domain in prose, a URL or an address without joining it.
SEPARATOR = st.sampled_from([" ", "\n", ", ", "; ", "(", ")", "<", ">", "!", "?", "'", '"',
                             ": ", "/", "@", ". ", "\t"])
FILLER = st.text(alphabet="abc XYZ,;:!?\n\tçğıöşü", max_size=40)
LIVE = st.sampled_from([ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED, ServiceStatus.PENDING])


def service(domain: str, status: str = ServiceStatus.ACTIVE) -> Service:
    return Service(domain=domain, status=status)


def mixed_case(text: str, flips: list[bool]) -> str:
    return "".join(c.upper() if flips[i % len(flips)] else c for i, c in enumerate(text))


@settings(deadline=None)  # timing is not what these assert (a shared CI machine)
@given(target=DOMAIN, others=st.lists(DOMAIN, max_size=4), before=FILLER, after=FILLER,
       left=SEPARATOR, right=SEPARATOR, www=st.booleans(),
       flips=st.lists(st.booleans(), min_size=1, max_size=7), status=LIVE)
@example(target="example.com", others=["example.com.tr", "myexample.com"], before="",
         after="", left=" ", right=". ", www=True, flips=[True], status=ServiceStatus.ACTIVE)
def test_a_named_domain_finds_its_service(target, others, before, after, left, right, www,
                                          flips, status):
    """In any case, with or without www., wherever it stands in the text."""
    services = [service(d, ServiceStatus.ACTIVE) for d in others if d != target]
    wanted = service(target, status)
    services.insert(len(services) // 2, wanted)
    written = mixed_case(("www." if www else "") + target, flips)
    text = f"{before}{left}{written}{right}{after}"
    assert match_service(text=text, services=services) is wanted


@settings(deadline=None)  # timing is not what these assert (a shared CI machine)
@given(target=DOMAIN, prefix=LABEL, suffix=st.sampled_from(["tr", "com", "net", "x1"]),
       joiner=st.sampled_from(["", "-", "."]))
@example(target="example.com", prefix="my", suffix="tr", joiner="")
def test_a_longer_domain_does_not_name_a_shorter_one(target, prefix, suffix, joiner):
    """`example.com` is not named by `myexample.com`, `my-example.com`, `shop.example.com` or
    `example.com.tr`."""
    services = [service(target), service("unrelated.org")]
    for text in (f"Problem with {prefix}{joiner}{target} today",
                 f"Problem with {target}.{suffix} today"):
        if normalize_domain(text.split()[2]) == normalize_domain(target):
            continue  # e.g. prefix "www" with the "." joiner: that is the same domain
        assert match_service(text=text, services=services) is None


@settings(deadline=None)  # timing is not what these assert (a shared CI machine)
@given(domains=st.lists(DOMAIN, min_size=2, max_size=5, unique=True), text=FILLER)
def test_without_a_named_domain_only_a_single_live_service_is_chosen(domains, text):
    live = service(domains[0])
    cancelled = [service(d, ServiceStatus.CANCELLED) for d in domains[1:]]
    assert match_service(text=text, services=[*cancelled, live]) is live
    assert match_service(text=text, services=cancelled) is None
    assert match_service(text=text, services=[live, service(domains[1])]) is None
    assert match_service(text=text, services=[]) is None


@settings(deadline=None)  # timing is not what these assert (a shared CI machine)
@given(text=st.text(max_size=300), domains=st.lists(DOMAIN, max_size=5))
def test_the_answer_is_always_one_of_the_services(text, domains):
    services = [service(d) for d in domains]
    found = match_service(text=text, services=services)
    assert found is None or any(found is s for s in services)


def test_the_first_named_domain_wins_and_live_services_come_first():
    first, second = service("first.com"), service("second.net")
    text = "second.net is fine, but SECOND.NET and first.com are down"
    assert match_service(text=text, services=[first, second]) is second
    old = service("shop.com", ServiceStatus.CANCELLED)
    registration, hosting = service("shop.com", ServiceStatus.PENDING), service("shop.com")
    assert match_service(text="shop.com", services=[old, registration, hosting]) is hosting
    assert match_service(text="shop.com", services=[old, registration]) is registration
    assert match_service(text="shop.com", services=[old]) is old


@pytest.mark.parametrize("written", [
    "https://www.example.com/wp-admin/", "http://Example.com:2083", "mail for info@example.com",
    "EXAMPLE.COM.", "<example.com>", "(www.example.com)", "example.com?x=1"])
def test_urls_addresses_and_punctuation(written):
    assert match_service(text=written, services=[service("example.com"), service("b.org")]) \
        is not None


@pytest.mark.parametrize("stored", ["Example.COM", "www.example.com", "https://example.com/",
                                    "example.com.", " example.com "])
def test_stored_domains_are_normalized_too(stored):
    assert match_service(text="example.com is down",
                         services=[service(stored), service("b.org")]) is not None


def test_internationalised_names_match_their_punycode():
    assert normalize_domain("Örnek.com.tr") == normalize_domain("xn--rnek-4qa.com.tr")
    assert match_service(text="örnek.com.tr çalışmıyor",
                         services=[service("xn--rnek-4qa.com.tr"), service("b.org")]) is not None
    assert domains_named("mail: ali@örnek.com.tr, www.x.io") == ["xn--rnek-4qa.com.tr", "x.io"]
