"""The one upload policy of every door: only active content is refused, decided by the file
name, the declared type and the first bytes (issue 13, fault 5)."""

from __future__ import annotations

import pytest

from destek.core.errors import ApplicationError
from destek.tickets.activecontent import Kind, active_content
from destek.tickets.uploads import InboundFile, validate_files

# A minimal Windows program: the MZ header whose e_lfanew (offset 60) points at "PE\0\0".
PE = b"MZ\x90\x00" + b"\x00" * 56 + (64).to_bytes(4, "little") + b"PE\x00\x00" + b"\x4c\x01"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 40
MACH_O = b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 24
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100  # .doc/.xls/.ppt (and .msi)
OOXML = b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml" + b"\x00" * 40


@pytest.mark.parametrize(("name", "declared", "content"), [
    ("signature.asc", "application/pgp-signature",
     b"-----BEGIN PGP SIGNATURE-----\n\niQEz\n-----END PGP SIGNATURE-----\n"),
    ("smime.p7s", "application/pkcs7-signature", b"0\x82\x05\x1a\x06\t*\x86H\x86\xf7\r"),
    ("smime.p7s", "application/x-pkcs7-signature", b"0\x82\x05\x1a\x06\t*\x86H\x86\xf7\r"),
    ("smime.p7m", "application/pkcs7-mime", b"0\x80\x06\t*\x86H\x86\xf7\r\x01\x07\x03"),
    ("msg.asc", "application/octet-stream", b"-----BEGIN PGP MESSAGE-----\n\nhQEM\n"),
    ("attachment-1.pgp", "application/pgp-encrypted", b"Version: 1\n"),
    ("report.xls", "application/vnd.ms-excel", OLE),
    ("letter.doc", "application/msword", OLE),
    ("slides.ppt", "application/vnd.ms-powerpoint", OLE),
    ("sheet.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", OOXML),
    ("text.odt", "application/vnd.oasis.opendocument.text", b"PK\x03\x04mimetypeapplication"),
    ("list.csv", "text/csv", b"domain,expires\nexample.com,2027-01-01\n"),
    ("memo.rtf", "application/rtf", b"{\\rtf1\\ansi Hello}"),
    ("invoice.pdf", "application/pdf", b"%PDF-1.7\n"),
    ("error.log", "text/plain", b"MZ is the start of this line, not a program\n"),
    ("shot.png", "image/png", b"\x89PNG\r\n\x1a\n"),
    # text to be read: a customer's page source and script are what they ask about
    ("index.php", "application/x-httpd-php", b"<!DOCTYPE html>\n<html><?php echo 1; ?>"),
    ("page-source.txt", "text/plain", b"<html><script>var x;</script></html>"),
    ("backup.txt", "text/plain", b"#!/bin/sh\ntar czf /backup/site.tgz /var/www\n"),
])
def test_signatures_encrypted_payloads_and_office_files_are_kept(
        name: str, declared: str, content: bytes) -> None:
    assert active_content(name=name, declared=declared, content=content) is None
    [kept] = validate_files([InboundFile(name=name, content=content, content_type=declared)])
    assert kept.name == name


@pytest.mark.parametrize(("name", "kind"), [
    ("setup.exe", Kind.PROGRAM), ("setup.msi", Kind.PROGRAM), ("run.com", Kind.PROGRAM),
    ("screen.scr", Kind.PROGRAM), ("lib.dll", Kind.PROGRAM), ("tool.jar", Kind.PROGRAM),
    ("Mail.app", Kind.PROGRAM), ("link.lnk", Kind.PROGRAM), ("setup.exe. ", Kind.PROGRAM),
    ("fix.bat", Kind.SCRIPT), ("fix.cmd", Kind.SCRIPT), ("fix.ps1", Kind.SCRIPT),
    ("fix.vbs", Kind.SCRIPT), ("app.js", Kind.SCRIPT), ("install.sh", Kind.SCRIPT),
    ("page.html", Kind.PAGE), ("page.HTM", Kind.PAGE), ("page.xhtml", Kind.PAGE),
    ("logo.svg", Kind.PAGE), ("invoice.pdf.exe", Kind.PROGRAM),
])
def test_active_content_is_refused_by_its_name(name: str, kind: Kind) -> None:
    refusal = active_content(name=name, declared="application/octet-stream", content=b"data")
    assert refusal is not None and refusal.kind == kind
    with pytest.raises(ApplicationError, match="not accepted"):
        validate_files([InboundFile(name=name, content=b"data")])


@pytest.mark.parametrize(("declared", "kind"), [
    ("application/x-msdownload", Kind.PROGRAM), ("application/x-msi", Kind.PROGRAM),
    ("application/java-archive", Kind.PROGRAM), ("application/x-sh", Kind.SCRIPT),
    ("text/javascript", Kind.SCRIPT), ("text/html; charset=utf-8", Kind.PAGE),
    ("image/svg+xml", Kind.PAGE), ("application/xhtml+xml", Kind.PAGE),
])
def test_active_content_is_refused_by_its_declared_type(declared: str, kind: Kind) -> None:
    refusal = active_content(name="attachment-1.bin", declared=declared, content=b"data")
    assert refusal is not None and refusal.kind == kind


@pytest.mark.parametrize(("name", "content", "kind"), [
    ("invoice.pdf", PE, Kind.PROGRAM),
    ("photo.jpg", ELF, Kind.PROGRAM),
    ("report.doc", MACH_O, Kind.PROGRAM),
    ("archive.zip", b"PK\x03\x04\x14\x00\x08\x00META-INF/MANIFEST.MF", Kind.PROGRAM),
    ("cleanup", b"#!/bin/sh\nrm -rf /\n", Kind.SCRIPT),
    ("attachment-2.bin", b"#!/usr/bin/perl\n", Kind.SCRIPT),
    ("invoice.pdf", b"\xef\xbb\xbf\r\n  <!DOCTYPE html><html><script>x</script>", Kind.PAGE),
    ("notes.txt", PE, Kind.PROGRAM),
    ("scan.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", Kind.PAGE),
    ("data.xml", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
     Kind.PAGE),
])
def test_active_content_is_refused_by_its_bytes_whatever_its_name(
        name: str, content: bytes, kind: Kind) -> None:
    refusal = active_content(name=name, declared="application/pdf", content=content)
    assert refusal is not None and refusal.kind == kind
    assert refusal.evidence.startswith("content")
    with pytest.raises(ApplicationError, match=name.replace(".", r"\.")):
        validate_files([InboundFile(name=name, content=content, content_type="application/pdf")])


def test_an_allow_list_when_configured_narrows_what_is_accepted(settings) -> None:
    settings.DESTEK_ATTACHMENT_ALLOWED_TYPES = ["application/pdf", "image/png"]
    validate_files([InboundFile(name="invoice.pdf", content=b"%PDF-1.7")])
    with pytest.raises(ApplicationError, match=r"application/vnd\.ms-excel"):
        validate_files([InboundFile(name="report.xls", content=OLE)])
    settings.DESTEK_ATTACHMENT_ALLOWED_TYPES = ["application/pdf", "application/x-msdownload"]
    with pytest.raises(ApplicationError):  # active content is refused even when listed
        validate_files([InboundFile(name="setup.exe", content=PE)])

