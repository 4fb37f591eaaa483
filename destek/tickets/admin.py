"""Configuration screens for admins: canned responses and tags (tickets are worked in the desk)."""

from django.contrib import admin

from destek.tickets.models import CannedResponse, Tag


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ["title", "language", "department"]
    list_filter = ["language", "department"]
    search_fields = ["title", "body"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]
