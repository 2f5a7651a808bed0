"""One mechanism for every frozen record sent from the field (DESIGN 4 and 7; decision 0017).

A visit, a facility check, a hazard re-check, and the kinds to come (a signed work order,
a signed agreement) are each declared once as a `FrozenKind`, next to the shape the ledger
chains (the app's evidence.py). The kind's service hands `frozen_record_submit` what only it
knows, as a `Recorder`: its checks, how it writes its rows, what follows. The rest is done
here, the same way for every kind (docs/evidence.md walks through it):

1. The payload's digest, SHA-256 of its canonical JSON, computed here and nowhere else.
2. The client's UUID is the record's key. Stored already under it by the same submitter,
   about the same subject, with the same digest: that record is the answer (created=False,
   HTTP 200). Anything else under that id is a `Conflict` (409).
3. The kind's checks; the record's times (a field record: started before it finished, and
   not in the future beyond the phone clock's skew); then the files it cites: at most its
   policy's count, each uploaded by the caller or their branch, each of the attachment kind
   it must be. All before the write transaction: on SQLite that transaction holds the
   database's one write lock, so it must be short.
4. One transaction: the kind writes its rows, the record is frozen (its flag; the database
   triggers refuse every change from then on) and appended to the ledger, the kind's
   follow-ups run, and one audit row says who submitted or corrected what. The ledger
   bytes of a kind with an `EvidenceShape` are built from the rows just written, not read
   back (common/evidence_written.py), and the audit rows of the transaction (the record's,
   and those of what it set going) go in as one INSERT (decision 0025).
5. The same id twice at once: the request that loses the race answers as a repeat.

`frozen_record_correct` is the one way to correct: a new record citing the old one
(`supersedes`) with the reason and the actor; a record corrected once is corrected again
only through its latest version.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from pydantic import BaseModel

from ruhu.common.actors import Actor
from ruhu.common.audit import audit_record, audit_rows_gathered
from ruhu.common.errors import Conflict, DomainError, IllegalTransition, NotFound, ValidationFailed
from ruhu.common.evidence import EvidenceShape
from ruhu.common.evidence_written import record_as_written
from ruhu.common.ledger import canonical_json, ledger_append, ledger_loaders
from ruhu.common.models import Attachment
from ruhu.common.policy import policy_get
from ruhu.common.rows import PkReader, rows_update
from ruhu.common.selectors import uploads_cited

P = TypeVar("P", bound=BaseModel)
C = TypeVar("C")
R = TypeVar("R", bound=models.Model)
CLOCK_SKEW = dt.timedelta(minutes=10)  # how far ahead a phone's clock may be


def _cites_nothing(payload: Any) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class FrozenKind(Generic[P]):
    """A kind of frozen record, declared once.

    Its table is keyed by the client's UUID and has the columns `payload_sha256`, the
    `submitter` and the `subject` (foreign keys), and unless `chained_by_write`, `frozen`,
    `frozen_at`, `supersedes` and `correction_reason`, with the freezing triggers of
    decision 0002 and a ledger loader registered under `name` (apps.py).
    """

    name: str  # its ledger kind, and its audit actions: "<name>.submit", "<name>.correct"
    model: type[models.Model]
    submitter: str  # the foreign key naming who sent it
    subject: str  # the foreign key naming what it is about; the payload holds "<subject>_id"
    code: str  # names it in the registry, and prefixes its error codes: "<code>_id_conflict"
    noun: str | Promise  # what its users call it, in messages: _("入户记录")
    # every file the payload cites: its hash → the attachment kind it must be ("" any)
    cited: Callable[[P], Mapping[str, str]] = _cites_nothing
    photo_limit_key: str = ""  # the policy: how many files one record may cite
    timed: bool = False  # the payload has started_at and finished_at, checked here
    corrector: str = ""  # the capability that may correct someone else's record
    correction_clears: tuple[str, ...] = ()  # payload fields a correction leaves out
    # its write is a workflow step that freezes, chains and audits itself (a hazard step)
    chained_by_write: bool = False
    # its rows as the ledger chains them: the bytes are then built from the rows just
    # written (common/evidence_written.py) instead of read back through its loader
    shape: EvidenceShape | None = None

    def __post_init__(self) -> None:
        known = _kinds.get(self.code)
        if known is not None and known != self:
            raise ValueError(f"frozen kind {self.code!r} is already declared")
        _kinds[self.code] = self

    @property
    def submitter_column(self) -> str:
        return f"{self.submitter}_id"

    @property
    def subject_column(self) -> str:
        return f"{self.subject}_id"


_kinds: dict[str, FrozenKind] = {}


def frozen_kinds() -> tuple[FrozenKind, ...]:
    """Every kind declared so far (an app's kinds are declared when its evidence loads)."""
    return tuple(_kinds.values())


@dataclass(frozen=True)
class Draft(Generic[P]):
    """A record on its way in: who sends what, about what, and what it corrects."""

    kind: FrozenKind[P]
    acting_user: Any
    payload: P
    digest: str
    subject_id: Any
    supersedes: Any = None  # the record this one corrects (of the kind's model)
    reason: str = ""
    uploads: Mapping[str, Attachment] = field(default_factory=dict)  # once checked
    dumped: Mapping[str, Any] | None = None  # the payload as JSON data, as digested

    @property
    def columns(self) -> dict[str, Any]:
        """What every record of the kind is created with: the client's id, who sent it
        about what, the digest, and the version it corrects with the reason."""
        return {
            "id": self.payload.id,  # type: ignore[attr-defined]
            self.kind.submitter: self.acting_user,
            self.kind.subject_column: self.subject_id,
            "payload_sha256": self.digest,
            "supersedes": self.supersedes,
            "correction_reason": self.reason,
        }

    @property
    def field_columns(self) -> dict[str, Any]:
        """When and where a field record was made (position to six places, about 0.1 m),
        and its checklist's answers as canonical JSON text, which the ledger hashes as it
        is: the same bytes on both engines."""
        payload: Any = self.payload
        if self.dumped is not None:  # the digest's dump holds each item's as it is
            answers = self.dumped["checklist"]
        else:
            answers = {
                code: item.model_dump(mode="json") for code, item in payload.checklist.items()
            }
        return {
            "started_at": payload.started_at,
            "finished_at": payload.finished_at,
            "latitude": coordinate(payload.latitude),
            "longitude": coordinate(payload.longitude),
            "checklist_json": canonical_json(answers).decode(),
        }

    def task(self, tasks: models.QuerySet, *, doable: Collection[str], refused: str) -> Any:
        """The task the payload names (`task_id`), or None: one of `tasks` (the
        submitter's), about the record's subject, in a `doable` state; a task done already
        is refused with the code `refused`."""
        task_id = getattr(self.payload, "task_id", None)
        if task_id is None:
            return None
        task = tasks.filter(pk=task_id).first()
        if task is None:
            raise NotFound(_("未找到该任务"), code="not_found")
        kind = self.kind
        if getattr(task, kind.subject_column) != self.subject_id:
            raise ValidationFailed(
                _("任务与%(subject)s不符") % {"subject": _subject_label(kind)},
                code=f"{kind.code}_task_{kind.subject}",
            )
        if task.status not in doable:
            raise IllegalTransition(
                _("该任务%(status)s") % {"status": task.get_status_display()}, code=refused
            )
        return task


def _nothing_to_check(draft: Draft) -> None:
    return None


def _nothing_follows(draft: Draft, record: models.Model, checked: Any) -> None:
    return None


def _nothing_to_audit(record: models.Model, checked: Any) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Recorder(Generic[P, C, R]):
    """What a kind does itself. `check` reads and judges before the write transaction and
    returns what `write` needs; `write` creates the record and its rows (inside it);
    `follow` acts on the frozen record (still inside it); `audited` gives the audit row's
    changes."""

    write: Callable[[Draft[P], C], R]
    check: Callable[[Draft[P]], C] = _nothing_to_check  # type: ignore[assignment]
    follow: Callable[[Draft[P], R, C], None] = _nothing_follows
    audited: Callable[[R, C], dict[str, Any]] = _nothing_to_audit


def coordinate(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 6)))


def payload_digest(payload: BaseModel) -> str:
    """SHA-256 of the payload's canonical JSON: what makes a repeat a repeat."""
    return _digest_of(payload.model_dump(mode="json"))


def _digest_of(dumped: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(dumped)).hexdigest()


def frozen_record_submit(
    kind: FrozenKind[P],
    recorder: Recorder[P, C, R],
    *,
    acting_user: Actor,
    payload: P,
    subject: models.Model | None = None,
    supersedes: models.Model | None = None,
    reason: str = "",
) -> tuple[R, bool]:
    """Store the record, or return the one already stored under its id: (record, created).

    `subject` is what the record is about when the caller found it (a re-check's hazard,
    from the URL); otherwise the payload names it."""
    subject_id = subject.pk if subject is not None else getattr(payload, kind.subject_column)
    dumped = payload.model_dump(mode="json")
    draft = Draft(
        kind,
        acting_user,
        payload,
        _digest_of(dumped),
        subject_id,
        supersedes,
        reason,
        dumped=dumped,
    )
    stored = _already_stored(draft)
    if stored is not None:
        return stored, False
    checked = recorder.check(draft)
    if kind.timed:
        _check_times(draft)
    draft = dataclasses.replace(draft, uploads=_uploads(draft))
    try:
        return _store(draft, recorder, checked), True
    except (IntegrityError, DomainError):
        # The same id arrived twice at once and the other request won: answer as a repeat.
        stored = _already_stored(draft)
        if stored is None:
            raise
        return stored, False


_readers: dict[str, PkReader] = {}  # each kind's record by its id, a statement built once


def _already_stored(draft: Draft) -> Any:
    """The record stored under this id when it is this very submission again; a conflict
    when the id holds another one. One read tells, and is the answer to a repeat."""
    kind = draft.kind
    reader = _readers.get(kind.code)
    if reader is None:
        reader = _readers[kind.code] = PkReader(kind.model)
    found = reader.get(draft.payload.id)  # type: ignore[attr-defined]
    if found is None:
        return None
    stored = (
        getattr(found, kind.submitter_column),
        getattr(found, kind.subject_column),
        getattr(found, "payload_sha256"),  # noqa: B009 (a column every kind has)
    )
    if stored != (draft.acting_user.pk, draft.subject_id, draft.digest):
        raise Conflict(
            _("该%(record)s编号已用于另一份不同的记录") % {"record": kind.noun},
            code=f"{kind.code}_id_conflict",
            id=str(draft.payload.id),  # type: ignore[attr-defined]
        )
    return found


def _check_times(draft: Draft) -> None:
    started, finished = draft.payload.started_at, draft.payload.finished_at  # type: ignore[attr-defined]
    if started > finished:
        raise ValidationFailed(_("开始时间晚于结束时间"), code=f"{draft.kind.code}_times")
    if finished > timezone.now() + CLOCK_SKEW:
        raise ValidationFailed(
            _("结束时间在未来，请检查手机时间"), code=f"{draft.kind.code}_future"
        )


def _subject_label(kind: FrozenKind) -> str:
    """What the subject is called: its field's verbose name ("用户", "设施")."""
    return str(getattr(kind.model._meta.get_field(kind.subject), "verbose_name", kind.subject))


def _uploads(draft: Draft) -> dict[str, Attachment]:
    """The uploaded files the record cites (common.selectors.uploads_cited), by hash."""
    kind, user = draft.kind, draft.acting_user
    cited = kind.cited(draft.payload)
    if not cited:
        return {}
    if kind.photo_limit_key:
        limit = int(policy_get(kind.photo_limit_key, branch=user.branch_id))
        if len(cited) > limit:
            raise ValidationFailed(
                _("照片不能超过 %(limit)s 张") % {"limit": limit},
                code=f"{kind.code}_too_many_photos",
            )
    found = uploads_cited(acting_user=user, cited=set(cited), code=f"{kind.code}_photos_missing")
    for sha, must_be in cited.items():
        if must_be and found[sha].kind != must_be:
            label = Attachment.Kind(must_be).label
            raise ValidationFailed(
                _("须上传%(kind)s") % {"kind": label}, code=f"{kind.code}_{must_be}_kind"
            )
    return found


@transaction.atomic
def _store(draft: Draft[P], recorder: Recorder[P, C, R], checked: C) -> R:
    with audit_rows_gathered():
        record = recorder.write(draft, checked)
        if draft.kind.chained_by_write:
            return record
        frozen_record_chain(draft.kind, record)
        recorder.follow(draft, record, checked)
        audit_record(
            acting_user=draft.acting_user,
            action=f"{draft.kind.name}.{'correct' if draft.supersedes else 'submit'}",
            target=record,
            branch_id=getattr(record, "branch_id", None),
            changes=recorder.audited(record, checked),
            reason=draft.reason,
        )
    return record


def frozen_record_chain(kind: FrozenKind, record: models.Model) -> None:
    """Freeze the record written in this transaction and append it to the ledger with the
    bytes its loader reads (so `ruhu ledger verify` gets the same ones): built from the
    rows in hand when the kind declares its shape, else read back through the loader.
    The record carries its place in the chain (`ledger_seq`) for the answer."""
    now = timezone.now()
    rows_update(type(record), record.pk, frozen=True, frozen_at=now)
    record.frozen, record.frozen_at = True, now  # type: ignore[attr-defined]
    key = str(record.pk)
    read = record_as_written(kind.shape, record) if kind.shape is not None else None
    if read is None:
        read = ledger_loaders()[kind.name]([key])[key]
    entry = ledger_append(
        kind=kind.name, record_id=key, canonical=read.canonical, attachments=read.attachments
    )
    record.ledger_seq = entry.seq  # type: ignore[attr-defined]


def frozen_record_correct(
    kind: FrozenKind[P],
    recorder: Recorder[P, C, R],
    *,
    acting_user: Actor,
    record: R,
    payload: P,
    reason: str,
) -> R:
    """A correction is a new record citing the frozen one, with the reason and the actor:
    by its submitter, or by whoever holds the kind's corrector capability."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_("请填写更正原因"), code=f"{kind.code}_correction_reason")
    mine = getattr(record, kind.submitter_column) == acting_user.pk
    if not mine and not (kind.corrector and acting_user.can(kind.corrector)):
        raise NotFound(_("未找到该记录"), code="not_found")
    if kind.model._default_manager.filter(supersedes=record).exists():
        raise IllegalTransition(_("该记录已被更正，请更正最新版本"), code=f"{kind.code}_superseded")
    if getattr(payload, kind.subject_column) != getattr(record, kind.subject_column):
        raise ValidationFailed(
            _("更正记录须针对同一%(subject)s") % {"subject": _subject_label(kind)},
            code=f"{kind.code}_correction_{kind.subject}",
        )
    corrected, _created = frozen_record_submit(
        kind,
        recorder,
        acting_user=acting_user,
        payload=payload.model_copy(update=dict.fromkeys(kind.correction_clears)),
        supersedes=record,
        reason=reason,
    )
    return corrected
