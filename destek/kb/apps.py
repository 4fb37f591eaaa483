from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KbConfig(AppConfig):
    name = "destek.kb"
    label = "kb"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from destek.kb import freshness
        from destek.kb.models import Article

        # An article deleted (the admin, a cascade) leaves search: caches of it are stale.
        post_delete.connect(freshness.changed, sender=Article,
                            dispatch_uid="kb-article-deleted")
