"""A log filter that blanks anything shaped like a Chinese mobile or resident ID number.

Services never log personal data; this is the second line of defence for what a library
or an exception message might carry.
"""

from __future__ import annotations

import logging
import re

PII_PATTERN = re.compile(
    r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)|(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])"
)


def redact(text: str) -> str:
    return PII_PATTERN.sub("[redacted]", text)


class RedactPiiFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True
