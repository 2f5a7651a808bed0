"""Who acts: what `common` needs of the person behind a request, without importing accounts.

`common` sits below `accounts` (DESIGN: common ← accounts ← …), so its services cannot name
`accounts.models.User`. They take an `Actor` instead: a structural type that `User`
satisfies, so apps pass their users straight through and mypy checks both sides. The
system itself (commands, jobs, the demo) acts as `None` where a service allows it.
"""

from __future__ import annotations

from typing import Any, Protocol


class Actor(Protocol):
    @property
    def pk(self) -> Any: ...

    @property
    def branch_id(self) -> int | None: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_head_office(self) -> bool: ...

    @property
    def is_field_staff(self) -> bool: ...

    def can(self, capability: str) -> bool: ...

    def get_username(self) -> str: ...
