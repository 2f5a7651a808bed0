"""Gunicorn's logger with personal values masked (`ruhu serve` passes it as --logger-class).

Gunicorn writes its own access and error logs, outside Django's LOGGING: every text atom
of an access line (request line, path, query, referer, headers) goes through the same
masking as Django's log records, and the error log gets the masking filter, since gunicorn
names the request URI when a request fails.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from ruhu.common.logging import RedactPiiFilter, redact, redact_query

QUERY_ATOMS = {"q", "{query_string}e"}


class MaskingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        if not any(isinstance(f, RedactPiiFilter) for f in self.error_log.filters):
            self.error_log.addFilter(RedactPiiFilter())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str):
                atoms[key] = redact_query(value) if key in QUERY_ATOMS else redact(value)
        return atoms
