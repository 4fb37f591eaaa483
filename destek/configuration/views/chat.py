"""Settings → Live chat (admins): where the widget may run, its code to copy, hours, greeting."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from destek.audit.log import Action, record
from destek.configuration.access import settings_page
from destek.configuration.forms.chat import ChatSettingsForm
from destek.livechat.chat_settings import chat_settings_get, chat_settings_update, current


def embed_snippet(request: HttpRequest) -> str:
    """The tag a website adds to its pages, with this installation's real address."""
    url = request.build_absolute_uri(reverse("livechat:widget"))
    return f'<script src="{url}" async></script>'


@settings_page("chat")
def edit(request: HttpRequest) -> HttpResponse:
    row = chat_settings_get()
    if request.method == "POST":
        form = ChatSettingsForm(request.POST)
        if form.is_valid():
            _config, changed = chat_settings_update(**form.values())
            record(Action.SETTINGS_CHANGED, request=request, target="livechat.chatsettings:1",
                   change="changed", model="livechat.chatsettings", object="chat settings",
                   fields=changed)
            messages.success(request, _("The chat settings were saved."))
            return redirect("settings:chat")
        status = 400
    else:
        form = ChatSettingsForm(initial=ChatSettingsForm.initial_for(row))
        status = 200
    return render(request, "configuration/brand_chat/chat.html", {
        "form": form, "snippet": embed_snippet(request), "stored": current().stored,
    }, status=status)
