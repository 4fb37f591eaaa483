"""Shared fixtures: people, departments, and Celery running tasks inline unless a test asks
for a real worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from destek.accounts.factories import (
    PASSWORD,
    AgentFactory,
    CustomerFactory,
    DepartmentFactory,
    MembershipFactory,
)
from destek.accounts.models import Department, Role, User
from destek.desk import choices


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None,
                                 tmp_path_factory: pytest.TempPathFactory) -> None:
    """On SQLite, the test database is a file, as in production, not Django's default shared-
    cache in-memory database. In shared-cache mode SQLite locks whole tables between the
    connections of one process and answers "database table is locked" at once, ignoring
    busy_timeout; the chat consumers' database calls run on several threads, each with its
    own connection, so a reader racing a writer failed under load. On a file, WAL lets readers
    read while one connection writes, and writers wait (busy_timeout) instead of failing."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        path = tmp_path_factory.mktemp("database") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(path)


@pytest.fixture(autouse=True)
def _eager_celery(request: pytest.FixtureRequest) -> Iterator[None]:
    from destek.celery import app

    eager = "celery" not in request.keywords
    old = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = old


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DESTEK_SENT_MAIL_DIR = tmp_path / "sent-mail"
    # pytest-django swaps in locmem; Destek's mail always goes through the outbox.
    settings.EMAIL_BACKEND = "destek.notifications.backends.OutboxEmailBackend"
    # PBKDF2's deliberate slowness is not what these tests measure.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_desk_options() -> None:
    """Each test's data is new: the desk's per-process option lists must not outlive a test
    (in production the admin, which changes them, reloads them: destek.desk.admin)."""
    choices.bump()


@pytest.fixture(autouse=True)
def _fresh_branding_and_chat_settings() -> None:
    """Nor may the cached brand and chat settings (a save replaces the cached copy; the test's
    rows are rolled back, the copy would stay). Each test starts as a running server does,
    with "none saved" cached: a page's query count is the steady state's, without the one
    read a cold cache costs (destek/branding/tests test that one)."""
    from destek.branding.brand import Brand
    from destek.branding.brand import remember as remember_brand
    from destek.livechat.chat_settings import ChatConfig
    from destek.livechat.chat_settings import remember as remember_chat_settings

    remember_brand(Brand())
    remember_chat_settings(ChatConfig())


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts and ends in the default language: a request through LocaleMiddleware
    (or a test) that activated Turkish must not make the next test's English messages Turkish."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_mailboxes() -> None:
    """Nor may the mailboxes the SMTP door remembers (destek.mail.doors.recipients)."""
    from destek.mail.doors.recipients import forget_mailboxes

    forget_mailboxes()


@pytest.fixture
def department(db: None) -> Department:
    return DepartmentFactory(name="Technical support", name_tr="Teknik destek")


@pytest.fixture
def other_department(db: None) -> Department:
    return DepartmentFactory(name="Billing", name_tr="Muhasebe")


@pytest.fixture
def customer(db: None) -> User:
    return CustomerFactory(full_name="Deniz Müşteri")


@pytest.fixture
def other_customer(db: None) -> User:
    return CustomerFactory(full_name="Other Customer")


@pytest.fixture
def agent(db: None, department: Department) -> User:
    user = AgentFactory(full_name="Mehmet Agent")
    MembershipFactory(department=department, agent=user)
    return user


@pytest.fixture
def outsourced(db: None, other_department: Department) -> User:
    user = AgentFactory(full_name="Outsourced Olcay", role=Role.OUTSOURCED)
    MembershipFactory(department=other_department, agent=user)
    return user


@pytest.fixture
def password() -> str:
    return PASSWORD


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def customer_client(client: Client, customer: User) -> Client:
    return login(client, customer)


@pytest.fixture
def agent_client(client: Client, agent: User) -> Client:
    return login(client, agent)


@pytest.fixture(autouse=True)
def _no_active_incidents_cached() -> None:
    """The active incidents (destek.status.links) are cached: each test starts from the
    steady state with nothing open cached, not a rolled-back test's incidents."""
    from destek.status import links

    links.remember(links.NONE_ACTIVE)


@pytest.fixture(autouse=True)
def _no_webhook_subscriptions_cached() -> None:
    """The webhook endpoints listening (destek.webhooks.selectors) are cached: each test
    starts with "none" cached, not a rolled-back test's endpoints."""
    from destek.webhooks import selectors

    selectors.remember(selectors.NONE_ACTIVE)
@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker) -> None:  # type: ignore[no-untyped-def]
    """The shipped triggers (destek.automation's data migrations: urgent keywords →
    critical) are switched off in the test database: other apps' tests open "Site is down"
    tickets and expect the priority they chose. destek/automation/tests switch them on."""
    from destek.automation.engine import triggers_changed
    from destek.automation.models import Trigger

    with django_db_blocker.unblock():
        Trigger.objects.exclude(default_key="").update(is_active=False)
        triggers_changed()
