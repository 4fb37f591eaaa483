"""System checks: `destek check` and `destek run` fail on an insecure production setup."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from destek.core.security import secret_key_problem


@register("security", deploy=False)
def secret_key_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    if settings.DEBUG:
        return []
    problem = secret_key_problem(settings.SECRET_KEY if settings.SECRET_KEY_FROM_ENV else "")
    if problem:
        return [Error(problem, hint="Set SECRET_KEY (see docs/configuration.md).",
                      id="destek.E001")]
    return []
