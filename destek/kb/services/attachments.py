"""Files and images of articles: checked like ticket attachments, stored under generated names."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from destek.accounts.models import User
from destek.core.errors import ApplicationError, PermissionDenied
from destek.kb import access
from destek.kb.models import Article, ArticleAttachment
from destek.tickets.activecontent import active_content


def attachment_add(*, actor: User, article: Article, upload: UploadedFile) -> ArticleAttachment:
    if not access.can_edit(actor):
        raise PermissionDenied(_("Only agents can edit the knowledge base."))
    size = upload.size or 0
    if size > settings.DESTEK_ATTACHMENT_MAX_BYTES:
        raise ApplicationError(_("The file is too large."), field="file")
    content_type = (upload.content_type or "application/octet-stream").split(";")[0].lower()
    head = upload.read(1024)  # the one policy for every door: active content is refused
    upload.seek(0)
    allowed = list(settings.DESTEK_ATTACHMENT_ALLOWED_TYPES)
    if active_content(name=upload.name or "", declared=content_type, content=head) or (
            allowed and content_type not in allowed):
        raise ApplicationError(_("This type of file is not accepted."), field="file")
    attachment = ArticleAttachment(article=article, original_name=(upload.name or "file")[:255],
                                   content_type=content_type, size=size)
    attachment.file.save(upload.name or "file", upload, save=False)
    attachment.save()
    return attachment
