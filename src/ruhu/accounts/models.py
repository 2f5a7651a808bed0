"""Organisation units, staff users, device tokens and the sessions they hold."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruhu.accounts.roles import FIELD_ROLES, Role, role_can
from ruhu.common.fields import BlindIndexField, EncryptedTextField


class OrgUnit(models.Model):
    """Company → branch (项目公司/片区) → team. One company per installation."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("公司")
        BRANCH = "branch", _("分公司")
        TEAM = "team", _("班组")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    branch = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text=_("所属分公司（分公司本身指向自己；公司为空）"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("组织单位")
        verbose_name_plural = _("组织单位")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A member of staff. Personal fields are encrypted; search by phone uses the blind index."""

    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    org_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    branch = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text=_("由组织单位得出；总部人员为空"),
    )
    full_name = models.CharField(_("姓名"), max_length=60)
    badge_no = models.CharField(_("工牌号"), max_length=32, blank=True)
    phone = EncryptedTextField(_("手机号"), pii="phone")
    phone_bidx = BlindIndexField(source="phone")
    id_number = EncryptedTextField(_("身份证号"), pii="id_number")
    id_number_bidx = BlindIndexField(source="id_number")
    must_change_password = models.BooleanField(
        _("须修改密码"),
        default=False,
        help_text=_("管理员发放一次性密码或邀请后置位；本人设置新密码前只能修改密码或退出"),
    )
    password_issued_at = models.DateTimeField(
        _("一次性密码发放时间"), null=True, blank=True, editable=False
    )

    objects = UserManager()

    class Meta:
        ordering = ["username"]
        verbose_name = _("员工")
        verbose_name_plural = _("员工")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_head_office(self) -> bool:
        return self.is_superuser or (self.org_unit_id is not None and self.branch_id is None)

    @property
    def is_field_staff(self) -> bool:
        return self.role in FIELD_ROLES

    def can(self, capability: str) -> bool:
        return self.is_active and (self.is_superuser or role_can(self.role, capability))


class ApiToken(models.Model):
    """A device's bearer token. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("设备名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("设备令牌")
        verbose_name_plural = _("设备令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_live(self) -> bool:
        return self.state == "live"

    @property
    def state(self) -> str:
        """live, expired or revoked: what the devices page and the API show."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return "expired"
        return "live"


class UserSession(models.Model):
    """Which web session belongs to whom, so disabling a user can end every session."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="web_sessions")
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("登录会话")
        verbose_name_plural = _("登录会话")

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"
