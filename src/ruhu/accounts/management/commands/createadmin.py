"""Create the first administrator (and the company, if there is none yet)."""

from __future__ import annotations

import getpass
import os

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ruhu.accounts.models import OrgUnit, User
from ruhu.accounts.roles import Role
from ruhu.accounts.services import org_unit_create, user_create
from ruhu.common.errors import DomainError


class Command(BaseCommand):
    help = "Create an administrator. The password comes from a prompt or RUHU_ADMIN_PASSWORD."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--full-name", default="系统管理员")
        parser.add_argument("--company-code", default="company")
        parser.add_argument("--company-name", default="燃气公司")

    def handle(self, *args, username, full_name, company_code, company_name, **options):
        if User.objects.filter(username=username).exists():
            raise CommandError(f"user {username!r} already exists")
        password = os.environ.get("RUHU_ADMIN_PASSWORD") or self.prompt()
        company = OrgUnit.objects.filter(kind=OrgUnit.Kind.COMPANY).first()
        try:
            with transaction.atomic():
                if company is None:
                    company = org_unit_create(
                        acting_user=None, kind="company", code=company_code, name=company_name
                    )
                user_create(
                    acting_user=None,
                    username=username,
                    full_name=full_name,
                    role=Role.ADMIN,
                    org_unit=company,
                    password=password,
                    is_superuser=True,
                )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(self.style.SUCCESS(f"administrator {username} created"))

    def prompt(self) -> str:
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("passwords differ")
        return first
