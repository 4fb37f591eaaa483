"""/chat/demo/: the chat widget on a page Destek serves itself.

The same origin as Destek, so the widget works on a fresh installation with no allowed
websites configured (the widget's doors accept their own origin): a newcomer opens it, starts
a chat and watches it arrive in the console. It also shows the line to paste into a website.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET


@require_GET
def widget_demo(request: HttpRequest) -> HttpResponse:
    return render(request, "livechat/demo.html", {
        "snippet": f'<script src="{request.build_absolute_uri(reverse("livechat:widget"))}" '
                   'async></script>',
        "widget_language": (get_language() or "en")[:2],  # the page's, as the switch sets it
    })
