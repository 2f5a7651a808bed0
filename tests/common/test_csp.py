"""Content-Security-Policy: every response carries one without 'unsafe-inline' or
'unsafe-eval', with a fresh nonce; no template or script of ours needs inline code."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client

from ruhu.common.middleware import ContentSecurityPolicyMiddleware
from tests.conftest import login
from tests.test_deny_by_default import all_urls
from tests.test_settings import RUHU, production_env

SRC = Path(settings.SRC_DIR)
NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]{22,})'")


def directives(header: str) -> dict[str, list[str]]:
    parts = (item.split() for item in header.split(";") if item.strip())
    return {name: values for name, *values in parts}


def assert_strict(header: str) -> str:
    """The policy is strict; returns its nonce."""
    policy = directives(header)
    assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header
    assert "*" not in header and "http:" not in header and "https:" not in header
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    (nonce,) = NONCE.findall(" ".join(policy["script-src"]))
    assert policy["script-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert policy["style-src"] == ["'self'", f"'nonce-{nonce}'"]
    return nonce


@pytest.mark.django_db
def test_every_page_and_endpoint_carries_the_policy_with_a_fresh_nonce(
    alice, household_a, household_b
):
    client = Client(raise_request_exception=False)
    login(client, alice)
    nonces, pages = [], 0
    for url in all_urls():
        response = client.get(url)
        if response.get("Content-Type", "").startswith("application/pdf"):
            continue
        assert "Content-Security-Policy" in response, url
        nonces.append(assert_strict(response["Content-Security-Policy"]))
        pages += response.get("Content-Type", "").startswith("text/html")
    assert pages > 40
    assert len(set(nonces)) == len(nonces)  # fresh for every response


@pytest.mark.django_db
def test_the_same_page_twice_gets_two_nonces_and_the_static_files_the_policy(client, bob):
    login(client, bob)
    first, second = client.get("/"), client.get("/")
    assert assert_strict(first["Content-Security-Policy"]) != assert_strict(
        second["Content-Security-Policy"]
    )
    assert "Content-Security-Policy" in client.get("/static/js/app.js")


def test_pdfs_are_left_to_the_browsers_viewer_and_a_views_own_policy_stands(rf):
    def answer(content_type, **headers):
        response = HttpResponse(b"x", content_type=content_type, headers=headers)
        return ContentSecurityPolicyMiddleware(lambda request: response)(rf.get("/"))

    assert "Content-Security-Policy" not in answer("application/pdf")
    own = answer("text/html", **{"Content-Security-Policy": "default-src 'none'"})
    assert own["Content-Security-Policy"] == "default-src 'none'"
    assert_strict(answer("image/jpeg")["Content-Security-Policy"])


@pytest.mark.django_db
def test_the_api_docs_come_from_our_own_static_files(client, alice):
    login(client, alice)
    html = client.get("/api/v1/docs").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/ninja/swagger-ui-bundle.js" in sources
    assert all(source.startswith("/static/") for source in sources), sources
    assert '"validatorUrl": null' in html


@pytest.mark.parametrize("mode", ["development", "test", "production"])
def test_the_policy_is_sent_in_every_mode(tmp_path, mode):
    env = production_env(tmp_path, RUHU_ENV=mode)
    probe = (  # /healthz: no tables and no static manifest needed
        "from django.test import Client;"
        "r = Client().get('/healthz', secure=True, HTTP_HOST='ruhu.example.com');"
        "print(r['Content-Security-Policy'])"
    )
    result = subprocess.run(
        [RUHU, "shell", "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert_strict(result.stdout.strip().splitlines()[-1])


def templates() -> list[Path]:
    return sorted(SRC.glob("**/templates/**/*.html"))


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
DATA_BLOCK = re.compile(r"""type=["']application/(?:ld\+)?json["']""")


def inline_code(source: str) -> list[str]:
    found = [m.group() for m in INLINE_STYLE.finditer(source)]
    found += [m.group() for m in HANDLER.finditer(source)]
    found += ["javascript: URL"] * source.count("javascript:")
    found += ["hx-on"] * len(re.findall(r"\shx-on", source))
    for attributes in SCRIPT_TAG.findall(source):
        if "src=" not in attributes and not DATA_BLOCK.search(attributes):
            found.append(f"<script{attributes}>")
    return found


def test_it_scans_the_templates_it_means_to():
    assert len(templates()) > 60
    assert inline_code('<p style="x">') and inline_code("<a onclick='x'>")
    assert inline_code("<script>alert(1)</script>")
    assert not inline_code('<script src="/static/a.js" defer></script>')
    assert not inline_code('<script type="application/json" id="t">{}</script>')


def test_no_template_has_inline_script_style_or_handler():
    offenders = {
        str(path.relative_to(SRC)): found
        for path in templates()
        if (found := inline_code(path.read_text()))
    }
    assert offenders == {}


def test_no_script_of_ours_builds_markup_or_evaluates_code():
    """Markup built from strings could carry style= or on*= past the scan above."""
    forbidden = ("innerHTML", "outerHTML", "insertAdjacentHTML", "eval(", "new Function",
                 'setAttribute("style"', "cssText", "document.write")  # fmt: skip
    for path in sorted((SRC / "static" / "js").glob("*.js")):
        text = path.read_text()
        assert not [word for word in forbidden if word in text], path.name


def test_htmx_is_told_to_inject_no_style_and_evaluate_nothing():
    base = (SRC / "templates" / "base.html").read_text()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", base)
    assert config is not None
    assert '"includeIndicatorStyles": false' in config.group(1)
    assert '"allowEval": false' in config.group(1)
    assert base.index('name="htmx-config"') < base.index("htmx.min.js")
