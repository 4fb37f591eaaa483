"""Which files are active content, refused through every door (portal, API, chat, email, KB).

Only what runs when it is opened is refused: programs, installers and libraries, scripts, and
web pages and drawings (HTML, XHTML, SVG) that would run in a browser. Everything else (office
files, signatures, encrypted payloads, archives, images…) is kept: refusing it loses evidence
and gains nothing, because every stored file is served as a download (core/downloads.py).

Three witnesses decide, and any one of them is enough: the file name's suffix, the type the
sender declared, and the first bytes of the content (so `invoice.pdf` that is a Windows program
is refused). The content is sniffed for a handful of signatures written out below: the few that
matter here do not justify a libmagic dependency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath

from django.utils.translation import gettext as _


class Kind(StrEnum):
    PROGRAM = "program"
    SCRIPT = "script"
    PAGE = "page"


_SUFFIXES: dict[Kind, frozenset[str]] = {
    Kind.PROGRAM: frozenset({
        ".exe", ".com", ".scr", ".pif", ".cpl", ".msi", ".msp", ".mst", ".dll", ".sys", ".ocx",
        ".drv", ".lnk", ".scf", ".app", ".apk", ".xapk", ".appx", ".appxbundle", ".msix",
        ".msixbundle", ".application", ".gadget", ".msc", ".jar", ".dmg", ".pkg", ".deb", ".rpm",
        ".elf", ".xbap", ".vsix", ".reg", ".inf",
    }),
    Kind.SCRIPT: frozenset({
        ".bat", ".cmd", ".ps1", ".psm1", ".psd1", ".ps1xml", ".vbs", ".vbe", ".js", ".jse",
        ".mjs", ".wsf", ".wsh", ".wsc", ".sct", ".sh", ".bash", ".zsh", ".csh", ".ksh",
        ".command", ".applescript", ".scpt", ".hta",
    }),
    Kind.PAGE: frozenset({
        ".html", ".htm", ".xhtml", ".xht", ".shtml", ".mht", ".mhtml", ".svg", ".svgz",
    }),
}

_TYPES: dict[Kind, frozenset[str]] = {
    Kind.PROGRAM: frozenset({
        "application/x-msdownload", "application/x-msdos-program", "application/x-dosexec",
        "application/x-ms-dos-executable", "application/vnd.microsoft.portable-executable",
        "application/x-executable", "application/x-elf", "application/x-sharedlib",
        "application/x-mach-binary", "application/x-mach-o-executable", "application/x-msi",
        "application/x-ms-installer", "application/x-ole-storage-msi", "application/x-ms-shortcut",
        "application/x-ms-application", "application/java-archive", "application/x-java-archive",
        "application/vnd.android.package-archive", "application/x-apple-diskimage",
        "application/x-debian-package", "application/x-rpm", "application/x-msdos-windows",
    }),
    Kind.SCRIPT: frozenset({
        "application/javascript", "application/x-javascript", "text/javascript",
        "application/ecmascript", "text/ecmascript", "application/x-sh", "application/x-csh",
        "application/x-shellscript", "text/x-shellscript", "text/x-sh", "application/x-bat",
        "application/bat", "application/x-msbatch", "text/x-msdos-batch", "application/vbscript",
        "text/vbscript", "application/x-powershell", "application/hta", "text/x-script",
    }),
    Kind.PAGE: frozenset({
        "text/html", "application/xhtml+xml", "image/svg+xml", "application/x-mimearchive",
    }),
}

# The first bytes of programs (PE, ELF, Mach-O and fat binaries, Windows shortcuts).
_PROGRAM_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x7fELF", "ELF"),
    (b"\xfe\xed\xfa\xce", "Mach-O"), (b"\xfe\xed\xfa\xcf", "Mach-O"),
    (b"\xce\xfa\xed\xfe", "Mach-O"), (b"\xcf\xfa\xed\xfe", "Mach-O"),
    (b"\xca\xfe\xba\xbe", "Mach-O/Java"),
    (b"L\x00\x00\x00\x01\x14\x02\x00", "Windows shortcut"),
)
_MARKUP = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|script|iframe|svg|frameset|object|embed)[\s>/]",
    re.IGNORECASE,
)
_XML_PAGE = re.compile(rb"<(?:svg|html)[\s>:/]|xmlns(?::\w+)?=[\"']http://www\.w3\.org/"
                       rb"(?:2000/svg|1999/xhtml)", re.IGNORECASE)
# Source and text a customer sends to be read (a hosting customer's index.php, a page's source
# saved as .txt): markup or a "#!" line inside them is what they are about, not a disguise, and
# they are opened in an editor. Binary signatures are looked for in them all the same.
_TEXT_SUFFIXES = frozenset({
    ".txt", ".text", ".log", ".csv", ".tsv", ".md", ".rst", ".json", ".yaml", ".yml", ".ini",
    ".conf", ".cfg", ".env", ".htaccess", ".sql", ".php", ".phtml", ".inc", ".tpl", ".twig",
    ".py", ".pl", ".rb", ".c", ".h", ".css", ".scss", ".less", ".diff", ".patch",
})
_LEADING = b" \t\r\n\x0c\xef\xbb\xbf\xff\xfe\x00"
_SNIFF = 1024


@dataclass(frozen=True)
class Refusal:
    kind: Kind
    evidence: str  # ".exe", "text/html", or what the content was recognised as

    def reason(self) -> str:
        """Why, in a sentence, in the active language."""
        if self.kind == Kind.PROGRAM:
            text = _("it is a program (%(evidence)s) that could run on the reader's computer.")
        elif self.kind == Kind.SCRIPT:
            text = _("it is a script (%(evidence)s) that could run on the reader's computer.")
        else:
            text = _("it is a web page or drawing (%(evidence)s) that could run code in the "
                     "browser.")
        return text % {"evidence": self.evidence}

    def upload_error(self, name: str) -> str:
        if self.evidence.startswith("."):
            return _("Files of type %(suffix)s are not accepted.") % {"suffix": self.evidence}
        return _("%(name)s is not accepted: %(reason)s") % {"name": name,
                                                           "reason": self.reason()}


def active_content(*, name: str, declared: str = "", content: bytes = b"") -> Refusal | None:
    """A Refusal when the file is active content by its name, its declared type or its bytes."""
    suffix = _suffix(name)
    for kind, suffixes in _SUFFIXES.items():
        if suffix in suffixes:
            return Refusal(kind, suffix)
    ctype = declared.split(";")[0].strip().lower()
    for kind, types in _TYPES.items():
        if ctype in types:
            return Refusal(kind, ctype)
    return sniff(content, text=suffix in _TEXT_SUFFIXES)


def sniff(content: bytes, *, text: bool = False) -> Refusal | None:
    """What the first bytes say the file is, when that is active content; `text`: the name
    says it is text to be read, so markup and "#!" lines are not held against it."""
    head = bytes(content[:_SNIFF])
    if _is_windows_program(content):
        return Refusal(Kind.PROGRAM, _("content: Windows program"))
    for magic, label in _PROGRAM_MAGIC:
        if head.startswith(magic):
            return Refusal(Kind.PROGRAM, _("content: %(format)s") % {"format": label})
    if head.startswith(b"PK\x03\x04") and b"META-INF/MANIFEST.MF" in head:
        return Refusal(Kind.PROGRAM, _("content: %(format)s") % {"format": "Java/Android"})
    if text:
        return None
    if head.startswith(b"#!"):
        return Refusal(Kind.SCRIPT, _("content: %(format)s") % {"format": "#!"})
    start = head.lstrip(_LEADING).replace(b"\x00", b"")
    if _MARKUP.match(start) or (start[:5].lower() == b"<?xml" and _XML_PAGE.search(start)):
        return Refusal(Kind.PAGE, _("content: %(format)s") % {"format": "HTML/SVG"})
    return None


def _suffix(name: str) -> str:
    """The last suffix, ignoring the trailing dots and spaces Windows drops when it opens a
    file (`setup.exe.` runs as `setup.exe`)."""
    base = PurePath(name.replace("\\", "/")).name.lower().rstrip(" .")
    return PurePath(base).suffix.strip() if base else ""


def _is_windows_program(content: bytes) -> bool:
    """MZ, and the PE header its DOS stub points at (or the DOS stub's own message)."""
    if not content.startswith(b"MZ") or len(content) < 64:
        return False
    offset = int.from_bytes(content[60:64], "little")
    if content[offset: offset + 4] == b"PE\x00\x00":
        return True
    return b"program cannot be run in DOS mode" in content[:1024]
