import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "destek.settings")
application = get_wsgi_application()

from destek.core.security import ensure_secure_secret  # noqa: E402

ensure_secure_secret(debug=settings.DEBUG, key=settings.SECRET_KEY,
                     from_env=settings.SECRET_KEY_FROM_ENV)
