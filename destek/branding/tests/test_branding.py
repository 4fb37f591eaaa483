"""The brand: validated colour and images, a cached reader, its stylesheet and images, and
what every page, email and the chat widget show."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from destek.branding import brand as brand_module
from destek.branding.brand import current, site_name
from destek.branding.colors import clean_color, contrast_with_white
from destek.branding.images import check_image
from destek.branding.services import ImageChange, branding_update
from destek.notifications.envelope import from_header
from destek.notifications.models import OutboundEmail
from destek.notifications.testing import render_outbox
from destek.tickets.factories import open_ticket

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")
ICO = b"\x00\x00\x01\x00\x01\x00" + b"\x00" * 40
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def upload(name: str, content: bytes, kind: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=kind)


# --- the colour ------------------------------------------------------------------------------

@pytest.mark.parametrize("value, stored", [("#0A58CA", "#0a58ca"), ("0a58ca", "#0a58ca"),
                                           ("  #1f2937 ", "#1f2937"), ("", "")])
def test_a_colour_is_stored_as_lowercase_hex(value, stored) -> None:
    assert clean_color(value) == stored


@pytest.mark.parametrize("value", ["blue", "#fff", "#12345g", "rgb(0,0,0)", "#0a58ca; x"])
def test_a_colour_that_is_not_hex_is_refused(value) -> None:
    with pytest.raises(ValidationError) as error:
        clean_color(value)
    assert error.value.code == "invalid"


def test_a_colour_too_light_for_white_text_is_refused() -> None:
    assert contrast_with_white("#ffff00") < 4.5
    with pytest.raises(ValidationError) as error:
        clean_color("#ffff00")
    assert error.value.code == "contrast" and "4.5:1" in error.value.messages[0]
    assert clean_color("#0a58ca") == "#0a58ca"  # Bootstrap's darker blue passes


# --- the images ------------------------------------------------------------------------------

def test_a_png_logo_is_accepted_by_its_bytes_not_its_name() -> None:
    image = check_image(upload("logo.bin", PNG, "application/octet-stream"))
    assert image.content_type == "image/png" and image.content == PNG


@pytest.mark.parametrize("name, content", [
    ("logo.svg", SVG), ("logo.png", SVG), ("logo.png", b"<?xml version='1.0'?>" + SVG)])
def test_svg_is_refused_whatever_it_is_called(name, content) -> None:
    with pytest.raises(ValidationError) as error:
        check_image(upload(name, content, "image/png"))
    assert error.value.code == "svg"


def test_html_or_a_program_is_not_an_image() -> None:
    for content in (b"<html><script>alert(1)</script>", b"MZ\x90\x00", b"GIF8"):
        with pytest.raises(ValidationError):
            check_image(upload("logo.png", content))


def test_an_ico_is_a_favicon_only() -> None:
    assert check_image(upload("f.ico", ICO, "image/x-icon"), favicon=True).content_type \
        == "image/x-icon"
    with pytest.raises(ValidationError):
        check_image(upload("f.ico", ICO, "image/x-icon"))


def test_images_over_the_limit_are_refused() -> None:
    with pytest.raises(ValidationError) as error:
        check_image(upload("big.png", PNG + b"\x00" * (128 * 1024)), favicon=True)
    assert error.value.code == "too_large"


# --- the cached reader -------------------------------------------------------------------------

@pytest.mark.django_db
def test_without_a_row_the_brand_is_destek() -> None:
    brand = current()
    assert brand.name == "Destek" and brand.color == "" and brand.stylesheet_url == ""
    assert brand.logo_url == "" and brand.favicon_url == ""


@pytest.mark.django_db(transaction=True)
def test_the_brand_is_read_once_then_from_the_cache_and_replaced_on_save() -> None:
    brand_module.forget()  # a cold cache, as a server finds it when it starts
    with CaptureQueriesContext(connection) as first:
        current()
    with CaptureQueriesContext(connection) as again:
        assert current().name == "Destek"
    assert len(first) == 1 and len(again) == 0  # "no row" is cached too
    branding_update(name="Acme Hosting", primary_color="#0a58ca")
    with CaptureQueriesContext(connection) as after_save:
        brand = current()
    assert len(after_save) == 0  # the save replaced the cached brand
    assert brand.name == "Acme Hosting" and brand.color == "#0a58ca"
    assert site_name() == "Acme Hosting"


@pytest.mark.django_db
def test_each_save_moves_the_version_in_the_urls() -> None:
    first, _ = branding_update(name="Acme", primary_color="#0a58ca",
                               logo=ImageChange(image=check_image(upload("l.png", PNG))))
    second, changed = branding_update(name="Acme", primary_color="#0a58ca",
                                      logo=ImageChange(remove=True))
    assert first.logo_url.endswith(f"?v={first.version}") and second.version > first.version
    assert changed == ["logo"] and second.logo_url == ""


# --- the pages -------------------------------------------------------------------------------

@pytest.fixture
def acme(db: None) -> None:
    branding_update(name="Acme Hosting", primary_color="#7b1fa2",
                    logo=ImageChange(image=check_image(upload("logo.png", PNG))),
                    favicon=ImageChange(image=check_image(upload("f.ico", ICO),
                                                          favicon=True)))
    brand_module.forget()  # as another process would find it: not yet in its cache


def test_the_portal_shows_the_brand_name_logo_favicon_and_stylesheet(acme, client) -> None:
    page = client.get("/kb/").content.decode()
    brand = current()
    assert 'data-testid="brand-name">Acme Hosting<' in page
    assert f'src="/brand/logo?v={brand.version}"' in page
    assert f'<link rel="icon" href="/brand/favicon?v={brand.version}">' in page
    assert f'href="/brand/theme.css?v={brand.version}"' in page
    assert "· Acme Hosting</title>" in page and "style=" not in page.split("<body")[0]


def test_the_stylesheet_carries_the_colour_and_is_cached_by_version(acme, client) -> None:
    version = current().version
    response = client.get(f"/brand/theme.css?v={version}")
    css = response.content.decode()
    assert response["Content-Type"].startswith("text/css")
    assert "--bs-primary:#7b1fa2" in css and "--destek-brand:#7b1fa2" in css
    assert "immutable" in response["Cache-Control"]
    assert "max-age=60" in client.get("/brand/theme.css?v=0")["Cache-Control"]


def test_the_images_are_served_with_their_sniffed_type(acme, client) -> None:
    logo = client.get("/brand/logo")
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    assert logo.content == PNG and logo["X-Content-Type-Options"] == "nosniff"
    assert client.get("/brand/favicon")["Content-Type"] == "image/x-icon"


@pytest.mark.django_db
def test_no_image_is_a_404(client) -> None:
    assert client.get("/brand/logo").status_code == 404
    assert client.get("/brand/favicon").status_code == 404


def test_branding_adds_no_query_to_a_page_once_cached(acme, client) -> None:
    client.get("/kb/")  # the first page after a save (or a cache flush) reads the row once
    with CaptureQueriesContext(connection) as branded:
        client.get("/kb/")
    brand_module.forget()
    with CaptureQueriesContext(connection) as cold:
        client.get("/kb/")
    assert len(cold) == len(branded) + 1
    assert not any("branding_branding" in q["sql"] for q in branded.captured_queries)


# --- emails and the widget ---------------------------------------------------------------------

def test_emails_name_the_brand_and_send_from_it(acme, customer, department, settings) -> None:
    settings.DEFAULT_FROM_EMAIL = "Destek <support@destek.localhost>"
    open_ticket(customer=customer, department=department, subject="Site is down")
    render_outbox()
    row = OutboundEmail.objects.get(recipients=[customer.email])
    assert "Acme Hosting" in row.body_text
    email = message_from_bytes(bytes(row.raw_message), policy=policy.default)
    assert email["From"].addresses[0].display_name == "Acme Hosting"
    assert from_header(None) == "Acme Hosting <support@destek.localhost>"


def test_a_sender_name_of_its_own_is_kept(acme, settings) -> None:
    settings.DEFAULT_FROM_EMAIL = "Example Support <help@example.com>"
    assert from_header(None) == "Example Support <help@example.com>"


def test_the_widget_shows_the_brand_name_and_colour(acme, client) -> None:
    data = client.get("/chat/api/config?lang=en").json()
    assert data["brand"] == "Acme Hosting" and data["color"] == "#7b1fa2"


@pytest.mark.django_db
def test_without_branding_the_widget_keeps_its_configured_colour(client, settings) -> None:
    settings.DESTEK_CHAT_COLOR = "#006644"
    data = client.get("/chat/api/config?lang=en").json()
    assert data["brand"] == "Destek" and data["color"] == "#006644"
