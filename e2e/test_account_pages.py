"""allauth's pages (sign in, sign up, password reset, two-factor) in Destek's layout and in the
visitor's language (destek/templates/allauth/)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from e2e.conftest import Person, RunningDestek, Shots, sign_in

pytestmark = pytest.mark.browser

# path → the page's heading, by language (allauth's own catalogs).
ANONYMOUS_PAGES = {
    "/accounts/login/": {"tr": "Giriş Yap", "en": "Sign In"},
    "/accounts/signup/": {"tr": "Üye Ol", "en": "Sign Up"},
    "/accounts/password/reset/": {"tr": "Şifre Sıfırlama", "en": "Password Reset"},
}
MFA_TITLE = {"tr": "İki Faktörlü Kimlik Doğrulama", "en": "Two-Factor Authentication"}
REMEMBER_ME = {"tr": "Beni Hatırla", "en": "Remember Me"}


def _assert_destek_layout(page: Any, lang: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("nav.navbar .navbar-brand")).to_have_text("Destek")
    expect(page.get_by_test_id("language-form")).to_be_visible()
    expect(page.locator("link[href*='bootstrap']")).to_have_count(1)
    expect(page.locator("main .allauth-form, main [data-testid=auth-title]").first).to_be_visible()


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_account_pages_use_the_destek_layout(destek_server: RunningDestek,
                                             people: dict[str, Person],
                                             new_context: Callable[[str], Any],
                                             lang: str) -> None:
    from playwright.sync_api import expect

    shots = Shots(f"account-pages-{lang}")
    page = new_context(lang).new_page()
    for path, titles in ANONYMOUS_PAGES.items():
        page.goto(destek_server.url + path)
        _assert_destek_layout(page, lang)
        expect(page.get_by_test_id("auth-title")).to_have_text(titles[lang])
        expect(page).to_have_title(re.compile(r"^\S.* · Destek$"))  # allauth's title
        shots(page, path.strip("/").replace("/", "-"))
    page.goto(destek_server.url + "/accounts/login/")
    expect(page.locator("label[for=id_remember]")).to_have_text(REMEMBER_ME[lang])
    expect(page.locator("input[name=login]")).to_have_css("display", "block")  # styled input

    # A wrong password is refused on the same page, in the same layout.
    customer = people[f"customer_{lang}"]
    page.locator("input[name=login]").fill(customer.email)
    page.locator("input[name=password]").fill("not-the-password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("auth-errors")).to_be_visible()
    _assert_destek_layout(page, lang)
    shots(page, "login-error")

    sign_in(page, destek_server, customer)
    page.goto(destek_server.url + "/accounts/2fa/")
    _assert_destek_layout(page, lang)
    expect(page.get_by_test_id("auth-title")).to_have_text(MFA_TITLE[lang])
    expect(page.locator("main .card").first).to_be_visible()
    shots(page, "mfa")
