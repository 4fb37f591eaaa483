"""Destek's own date and time formats (settings.FORMAT_MODULE_PATH): one long and one short
format per language, used by every page, presenter and email. Names not set here fall back to
Django's locale formats (input formats, number separators)."""
