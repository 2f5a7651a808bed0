"""Model fields for personal data: encrypted at rest, searchable only by exact blind index."""

from __future__ import annotations

from typing import Any

from django.db import models

from ruhu.common import crypto
from ruhu.common.masking import MASKS


class EncryptedTextField(models.TextField):
    """Stores `v1:<key id>:<base64 nonce+ciphertext>`; Python code sees the plaintext.

    The additional authenticated data binds each ciphertext to its model and field, so a
    value copied into another column does not decrypt. Only `isnull` lookups work: search
    goes through the companion `BlindIndexField`.
    """

    def __init__(self, *args: Any, pii: str, **kwargs: Any) -> None:
        if pii not in MASKS:
            raise ValueError(f"unknown personal-data kind {pii!r}")
        self.pii = pii
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["pii"] = self.pii
        return name, path, args, kwargs

    @property
    def aad(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value, expression, connection):
        if not value:
            return ""
        return crypto.decrypt(value, aad=self.aad)

    def get_prep_value(self, value):
        if value is None or value == "":
            return ""
        return crypto.encrypt(str(value), aad=self.aad)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)

    def mask(self, value: str) -> str:
        return MASKS[self.pii](value)


class BlindIndexField(models.CharField):
    """HMAC of the normalised plaintext of `source`, kept in step on every save."""

    def __init__(self, *args: Any, source: str, **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["db_index"] = self.db_index  # its default is not Field's
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        source_field = model_instance._meta.get_field(self.source)
        value = blind_index_for(source_field.pii, getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


def normalize(pii: str, value: str) -> str:
    value = (value or "").strip()
    return value.upper() if pii == "id_number" else value


def blind_index_for(pii: str, value: str) -> str:
    normalized = normalize(pii, value)
    return crypto.blind_index(pii, normalized) if normalized else ""


def phone_search_index(text: str) -> str | None:
    """The phone blind index for free search text, or None when the text is not a phone number."""
    from ruhu.common.errors import ValidationFailed
    from ruhu.common.validation import normalize_phone

    try:
        return blind_index_for("phone", normalize_phone(text))
    except ValidationFailed:
        return None


def encrypted_fields(model) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
