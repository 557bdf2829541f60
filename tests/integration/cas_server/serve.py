"""A real CAS server for authprobe's integration tests: django-mama-cas on 127.0.0.1.

    python tests/integration/cas_server/serve.py CONFIG.json

CONFIG: {"database": "/tmp/x/cas.sqlite3", "service": "^http://127\\\\.0\\\\.0\\\\.1",
         "users": [{"username": "jsmith", "password": "...", "first_name": "...",
                    "last_name": "...", "email": "...", "attributes": {"employeeNumber": "..."}}]}
Each user's `attributes` (plus mama-cas's own name attributes) are released in the validation
responses. Prints "LISTENING <port>" on stdout once it serves (wsgiref, one request at a time).
"""

from __future__ import annotations

import json
import sys
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

CONFIG: dict[str, Any] = json.loads(open(sys.argv[1], encoding="utf-8").read())  # noqa: SIM115


def campus_attributes(user: Any, service: str) -> dict[str, Any]:
    """The configured attributes of the user (mama-cas attribute callback)."""
    for entry in CONFIG["users"]:
        if entry["username"] == user.get_username():
            return dict(entry.get("attributes", {}))
    return {}


def _configure() -> None:
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY="authprobe-test-cas-server",
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF="__main__",
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "mama_cas",
        ],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": CONFIG["database"]}},
        TEMPLATES=[
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
        ],
        USE_TZ=True,
        MAMA_CAS_SERVICES=[
            {
                "SERVICE": CONFIG["service"],
                "CALLBACKS": [
                    "mama_cas.callbacks.user_name_attributes",
                    "__main__.campus_attributes",
                ],
            }
        ],
    )


urlpatterns: list[Any] = []


def main() -> None:
    """Migrate, create the users, serve."""
    _configure()
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from django.urls import include, path

    urlpatterns.append(path("cas/", include("mama_cas.urls")))
    call_command("migrate", verbosity=0, interactive=False)
    model = get_user_model()
    for entry in CONFIG["users"]:
        user = model.objects.create_user(
            entry["username"],
            email=entry.get("email", ""),
            password=entry["password"],
            first_name=entry.get("first_name", ""),
            last_name=entry.get("last_name", ""),
        )
        user.save()

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """No access log."""

    server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=Quiet)
    print(f"LISTENING {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
