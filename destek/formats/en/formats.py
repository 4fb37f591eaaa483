"""English: "7 December 2026, 5:32 PM" (long) and "7 Dec 2026, 5:32 PM" (short).

Day before month, so no reader takes 07/12 for July; AM/PM without the dots Django's English
default ("p.m.") puts before a sentence's own full stop."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, g:i A"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, g:i A"
TIME_FORMAT = "g:i A"
