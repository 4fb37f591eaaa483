from __future__ import annotations

import pytest

from destek.core.errors import ApplicationError
from destek.webhooks.guard import check_url, resolve

REFUSED = [
    "http://127.0.0.1/hook", "https://127.0.0.1:8443/hook", "http://10.1.2.3/", "http://172.16.0.9/",
    "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/", "http://0.0.0.0/",
    "http://100.64.0.1/", "http://224.0.0.1/", "http://240.0.0.1/", "http://[::1]/",
    "http://[fc00::1]/", "http://[fe80::1]/", "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:10.0.0.1]/", "http://[ff02::1]/", "http://[::]/", "http://localhost:8000/",
]


@pytest.mark.parametrize("url", REFUSED)
def test_private_loopback_link_local_and_reserved_targets_are_refused(url, settings):
    settings.DESTEK_WEBHOOK_ALLOWED_NETWORKS = []
    with pytest.raises(ApplicationError) as refused:
        check_url(url)
    assert refused.value.field == "url"


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd", "gopher://x/",
                                 "http:///nohost", "https://user:pw@93.184.216.34/"])
def test_only_http_and_https_urls_with_a_host_are_accepted(url):
    with pytest.raises(ApplicationError):
        check_url(url)


def test_a_public_address_passes_and_is_pinned():
    target = resolve("https://93.184.216.34:8443/hooks?x=1")
    assert target.addresses == ("93.184.216.34",)
    assert (target.scheme, target.port) == ("https", 8443)


def test_the_allowed_networks_and_hosts_let_private_targets_through(settings):
    settings.DESTEK_WEBHOOK_ALLOWED_NETWORKS = ["10.0.0.0/8", "fc00::/7"]
    check_url("http://10.20.30.40/hook")
    check_url("http://[fc00::5]/hook")
    check_url("http://[::ffff:10.0.0.1]/")  # judged as the IPv4 address it carries
    with pytest.raises(ApplicationError):
        check_url("http://127.0.0.1/hook")  # not in the list
    settings.DESTEK_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1"]
    check_url("http://127.0.0.1:9000/hook")
    settings.DESTEK_WEBHOOK_ALLOWED_NETWORKS = ["localhost"]  # a host name, whatever it is
    check_url("http://localhost:9000/hook")
