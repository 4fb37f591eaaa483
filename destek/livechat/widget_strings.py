"""Every word the widget shows, translated by the same catalogs as the rest of Destek.

The config endpoint renders these in the visitor's language; widget.js has no strings of
its own (apart from its English fallbacks for a failed config request).
"""

from __future__ import annotations

from django.utils.translation import gettext as _


def widget_strings() -> dict[str, str]:
    return {
        "title": _("Chat with us"),
        "open": _("Chat"),
        "close": _("Close"),
        "name": _("Your name"),
        "email": _("Email address"),
        "topic": _("How can we help?"),
        "department": _("Department"),
        "service": _("Service"),
        "no_service": _("Not about a specific service"),
        "start": _("Start chat"),
        "placeholder": _("Type your message…"),
        "send": _("Send"),
        "attach": _("Attach a file"),
        "emoji": _("Emoji"),
        "waiting": _("Waiting for an agent…"),
        "connected": _("You are chatting with {name}."),
        "typing": _("{name} is typing…"),
        "seen": _("Seen"),
        "sending": _("Sending…"),
        "reconnecting": _("Connection lost. Reconnecting…"),
        "ended": _("The chat has ended."),
        "end": _("End chat"),
        "new_chat": _("Start a new chat"),
        "transcript": _("Email me the transcript"),
        "transcript_sent": _("The transcript is on its way to {email}."),
        "offline_title": _("We are not online right now"),
        "hours_title": _("We are outside our office hours"),
        "offline_text": _("Leave us a message and we will answer by email."),
        "message": _("Message"),
        "leave_message": _("Send message"),
        "offline_sent": _("Thank you. Your request number is {reference}."),
        "suggestions": _("These articles may help:"),
        "new_message": _("New message"),
        "error": _("Something went wrong. Please try again."),
        "agent": _("Support team"),
        # The rating at the end of a chat (destek.feedback).
        "rate_title": _("How did we do?"),
        "rate_comment": _("Comment (optional)"),
        "rate_complaint": _("This is a complaint"),
        "rate_send": _("Send my rating"),
        "rate_thanks": _("Thank you for your feedback."),
    }
