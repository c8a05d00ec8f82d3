"""django-helpdesk's half of bench/helpdesk_compare.py. Runs in the helpdesk venv, not ours:
it imports nothing from this project.

    <helpdesk-venv>/bin/python bench/helpdesk_side.py '{"db": "sqlite", "open": 100000,
        "due": 1000, "workdir": "/tmp/x", "sqlite_path": "/tmp/x/hd.db"}'

Writes a small Django project (settings.py, urls.py) into `workdir`, migrates it (SQLite
file or the PostgreSQL database named in "pg"), fills one queue with `open` open tickets of
which the first `due` are due for escalation, and times one `call_command("escalate_tickets")`.
Prints one JSON line: seconds, tickets escalated, e-mails rendered, follow-ups, queries.

What escalate_tickets (2.6.1) does per due ticket, in Django's autocommit mode (no transaction
around a ticket; each save is its own): save the ticket (last_escalation, priority - 1), build
the template context, render and "send" an e-mail per recipient (submitter, queue CC, owner;
templates read from the database each time), create a FollowUp (which saves the ticket again)
and a TicketChange. E-mail goes to Django's locmem backend: rendered, never sent.
"""

from __future__ import annotations

import io
import json
import sys
import time
from datetime import timedelta
from pathlib import Path

SETTINGS = """\
SECRET_KEY = "bench-only"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
SITE_ID = 1
ROOT_URLCONF = "urls"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",  # helpdesk builds its e-mail links from the current Site
    "django.contrib.humanize",
    "rest_framework",  # helpdesk's API views, imported by helpdesk.urls
    "helpdesk",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
STATIC_URL = "/static/"
# Teams need pinax-teams; escalation does not use them.
HELPDESK_TEAMS_MODE_ENABLED = False
# Rendered and kept in memory (django.core.mail.outbox), never sent.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "desk@example.org"
DATABASES = {"default": %(database)r}
"""

URLS = """\
from django.urls import include, path

urlpatterns = [path("helpdesk/", include("helpdesk.urls"))]
"""


def _database(spec: dict) -> dict:
    if spec["db"] == "sqlite":
        # WAL, as our side runs SQLite (models.db.make_engine): the same journal on both.
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": spec["sqlite_path"],
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;"},
        }
    pg = spec["pg"]
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": pg["database"],
        "USER": pg["user"],
        "PASSWORD": pg.get("password") or "",
        "HOST": pg["host"],
        "PORT": str(pg["port"]),
    }


def _project(spec: dict) -> None:
    work = Path(spec["workdir"])
    work.mkdir(parents=True, exist_ok=True)
    (work / "settings.py").write_text(SETTINGS % {"database": _database(spec)})
    (work / "urls.py").write_text(URLS)
    sys.path.insert(0, str(work))
    import os

    os.environ["DJANGO_SETTINGS_MODULE"] = "settings"
    import django

    django.setup()


def _fill(queue, owner, *, open_: int, due: int, tag: str) -> None:  # type: ignore[no-untyped-def]
    """`open_` open tickets, the first `due` created two days ago (due: the queue escalates
    after one day), the rest created now. `created` is auto_now_add, which bulk_create
    overwrites, so the due ones are backdated with one UPDATE afterwards."""
    from django.db import transaction
    from django.utils import timezone
    from helpdesk.models import Ticket

    def ticket(i: int) -> Ticket:
        return Ticket(
            title=f"H-{tag}-{i:06d}",
            queue=queue,
            status=Ticket.OPEN_STATUS,
            priority=3,
            submitter_email=f"rider{i}@example.org",
            assigned_to=owner,
            description="bench",
        )

    with transaction.atomic():
        Ticket.objects.bulk_create((ticket(i) for i in range(due)), batch_size=2000)
        Ticket.objects.filter(queue=queue).update(created=timezone.now() - timedelta(days=2))
        Ticket.objects.bulk_create((ticket(i) for i in range(due, open_)), batch_size=2000)


def run(spec: dict) -> dict:
    _project(spec)
    from django.contrib.auth import get_user_model
    from django.core import mail
    from django.core.management import call_command
    from django.db import connection
    from helpdesk.models import FollowUp, Queue, Ticket, TicketChange

    call_command("migrate", verbosity=0, interactive=False)
    owner = get_user_model().objects.create_user(
        "owner", email="owner@example.org", password="x", is_staff=True
    )

    def queue(slug: str) -> Queue:
        return Queue.objects.create(
            title=slug, slug=slug, escalate_days=1, email_address=f"{slug}@example.org"
        )

    # Warm-up (imports, templates, connection), not measured: a small queue escalated
    # the same way, then deleted with its tickets.
    warm = queue("warm")
    _fill(warm, owner, open_=min(spec["due"], 50), due=min(spec["due"], 50), tag="warm")
    call_command("escalate_tickets", queues=["warm"], stdout=io.StringIO())
    warm.delete()
    mail.outbox = []

    main = queue("bench")
    _fill(main, owner, open_=spec["open"], due=spec["due"], tag="bench")
    queries = 0

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        start = time.perf_counter()
        call_command("escalate_tickets", stdout=io.StringIO())
        seconds = time.perf_counter() - start
    escalated = Ticket.objects.filter(queue=main, last_escalation__isnull=False).count()
    result = {
        "seconds": seconds,
        "open": Ticket.objects.filter(queue=main).count(),
        "escalated": escalated,
        "lowered": Ticket.objects.filter(queue=main, priority=2).count(),
        "emails": len(mail.outbox),
        "followups": FollowUp.objects.filter(ticket__queue=main).count(),
        "changes": TicketChange.objects.filter(followup__ticket__queue=main).count(),
        "queries": queries,
        "django": __import__("django").get_version(),
        "helpdesk": __import__("importlib.metadata").metadata.version("django-helpdesk"),
    }
    connection.close()
    return result


if __name__ == "__main__":
    print(json.dumps(run(json.loads(sys.argv[1]))))
