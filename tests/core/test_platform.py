"""The platform around the modules: health, security headers, languages, deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DatabaseError
from django.urls import reverse

from activator.core.audit import diff, snapshot

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "ok"})


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_does_not(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def broken(self, *args, **kwargs):
        raise DatabaseError("down")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_code(client):
    response = client.get(reverse("core:home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    html = response.content.decode()
    assert "<script>" not in html and "style=" not in html
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_static_files_are_served_by_the_app(client):
    for path in ("/static/js/htmx.min.js", "/static/css/activator.css"):
        response = client.get(path)
        assert response.status_code == 200, path


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "word"), [("ko", "회원"), ("es", "Miembros")])
def test_language_switch_translates_the_shell(client, code, word):
    response = client.post(reverse("set_language"), {"language": code, "next": "/members/"})
    assert response.status_code == 302
    page = client.get("/members/").content.decode()
    assert f'<html lang="{code}">' in page
    assert word in page


def test_deploy_check_passes_with_production_settings():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "0",
        "TESTING": "0",
        "SECRET_KEY": "x" * 20 + "production-like-secret-key-0123456789-abcdefghij",
        "ALLOWED_HOSTS": "activator.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_audit_diff_keeps_only_changed_fields():
    class Thing:
        a, b = 1, "x"

    before = snapshot(Thing(), ["a", "b"])
    after = {**before, "b": "y"}
    assert diff(before, after) == {"b": ["x", "y"]}
