"""Masking of personal values in log lines (DESIGN rule 5).

Services never log personal data and searches never put it in a URL; this is the second
line of defence for what a library, an exception message or an old link might carry:

- anything shaped like a Chinese mobile number (also written `139 1234 5678`, `139-…`,
  `+86…`, URL-encoded) or a resident ID number is blanked wherever it appears;
- in a URL's query string every run of six or more digits is blanked too, so a landline or
  a partial number in `?q=` is gone as well. Paths keep their digits: a path holds record
  ids, which the log needs, and no route takes a phone or ID number in its path (one that
  does not exist is still caught by the shapes above).
"""

from __future__ import annotations

import logging
import re

MASK = "[redacted]"

_SEP = r"(?:[\s-]|%20|\+)?"  # what people and forms put between the groups of a number
PII_PATTERN = re.compile(
    rf"(?<!\d)(?:(?:\+|%2[Bb])?86{_SEP})?1[3-9]\d{_SEP}\d{{4}}{_SEP}\d{{4}}(?!\d)"
    rf"|(?<![\dA-Za-z])\d{{6}}{_SEP}\d{{8}}{_SEP}\d{{3}}[\dXx](?![\dA-Za-z])"
)
QUERY_STRING = re.compile(r"\?[^\s\"'#]*")
# Digits joined by what a form encodes a space as: "010 1234 5678" arrives as 010+1234+5678.
DIGIT_RUN = re.compile(r"\d+(?:(?:\+|%20)\d+)*")
LONGEST_KEPT_RUN = 5


def _mask_long_run(match: re.Match) -> str:
    digits = sum(ch.isdigit() for ch in match.group().replace("%20", ""))
    return MASK if digits > LONGEST_KEPT_RUN else match.group()


def redact_query(query: str) -> str:
    """A query string (without its "?") with personal shapes and long digit runs blanked."""
    return DIGIT_RUN.sub(_mask_long_run, PII_PATTERN.sub(MASK, query))


def redact(text: str) -> str:
    """Free text with personal shapes blanked, and long digit runs in any query string."""
    text = PII_PATTERN.sub(MASK, text)
    return QUERY_STRING.sub(lambda m: "?" + redact_query(m.group()[1:]), text)


class RedactPiiFilter(logging.Filter):
    """On a handler: every record it writes is masked, message and traceback alike."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
