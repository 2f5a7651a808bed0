"""Search terms kept out of URLs (DESIGN rule 5: no personal data in URLs or logs).

A search box may receive a phone or ID number, so its term never travels in a query string:
the form POSTs it, the server keeps it in the user's session (encrypted, for
`privacy.search_handle_minutes`) under a random handle, and answers 303 to the same page
with `?s=<handle>` and the other filters. Pagination, filters, reload and back/forward keep
working on that URL; the browser history, the Referer and the access log see only the
handle. A handle is worthless to anyone else (it lives in one session) and dies with the
session, at sign-out or after its minutes.

A page opts in with `@search_page`, then reads `request.search`: its GET parameters with the
term put back under `q`.
"""

from __future__ import annotations

import secrets
import time
from functools import wraps

from django.contrib import messages
from django.http import HttpResponseRedirect, QueryDict
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ruhu.common import crypto
from ruhu.common.errors import ValidationFailed
from ruhu.common.policy import policy_get

TERM = "q"
HANDLE = "s"
SESSION_KEY = "ruhu.searches"
KEEP_AT_MOST = 20  # handles per session: enough for the tabs one person has open
NOT_CARRIED = {TERM, HANDLE, "page", "csrfmiddlewaretoken"}


def _aad(handle: str) -> str:
    return f"search:{handle}"


def search_stash(request, term: str) -> str:
    """Keep `term` in the session and return its handle ("" for an empty term)."""
    term = term.strip()
    if not term:
        return ""
    now = int(time.time())
    handle = secrets.token_urlsafe(12)
    kept = {h: entry for h, entry in request.session.get(SESSION_KEY, {}).items() if entry[1] > now}
    lifetime = int(policy_get("privacy.search_handle_minutes")) * 60
    kept[handle] = (crypto.encrypt(term, aad=_aad(handle)), now + lifetime)
    newest = sorted(kept.items(), key=lambda item: item[1][1])[-KEEP_AT_MOST:]
    request.session[SESSION_KEY] = dict(newest)
    return handle


def search_recall(request, handle: str) -> str | None:
    """The term behind `handle`, or None when it is unknown here or has expired."""
    entry = request.session.get(SESSION_KEY, {}).get(handle)
    if not entry or entry[1] <= time.time():
        return None
    return crypto.decrypt(entry[0], aad=_aad(handle))


def _url(request, params: QueryDict) -> str:
    return request.path + (f"?{params.urlencode()}" if params else "")


def _to_handle(request) -> HttpResponseRedirect:
    """A submitted search (or an old `?q=` link): the same page with the term's handle."""
    data = request.POST if request.method == "POST" else request.GET
    params = QueryDict(mutable=True)
    for key, values in data.lists():
        filled = [value for value in values if value != ""]
        if key not in NOT_CARRIED and filled:
            params.setlist(key, filled)
    handle = search_stash(request, data.get(TERM, ""))
    if handle:
        params[HANDLE] = handle
    response = HttpResponseRedirect(_url(request, params))
    response.status_code = 303  # the browser follows with a GET, as after any form POST
    return response


def search_page(view):
    """Serve a page whose search box may take a phone or ID number (see the module doc)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST" or TERM in request.GET:
            return _to_handle(request)
        params = request.GET.copy()
        handle = params.pop(HANDLE, [""])[-1]
        if handle:
            term = search_recall(request, handle)
            if term is None:
                messages.info(request, _("查找已过期，请重新输入查找内容"))
                params.pop("page", None)
                return HttpResponseRedirect(_url(request, params))
            params[TERM] = term
        request.search = params
        return view(request, *args, **kwargs)

    return require_http_methods(["GET", "POST"])(wrapper)


def refuse_term_in_url(request, *, search_path: str) -> None:
    """An API list refuses `?q=`: the term belongs in the body of its POST search."""
    if TERM in request.GET:
        raise ValidationFailed(
            _("查找内容不能放在网址里，请在请求体中提交给 POST %(path)s") % {"path": search_path},
            code="search_term_in_url",
            search=search_path,
        )
