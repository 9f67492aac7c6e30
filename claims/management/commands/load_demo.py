import datetime as dt
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from claims import roles, services
from claims.services import importers

DEMO = Path(__file__).resolve().parents[2] / "demo"
DEMO_PUBLISHED = dt.date(2024, 10, 24)


class Command(BaseCommand):
    help = "Load the demo reference corpus and article, and create the demo reviewer account."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="factcheck-demo")

    def handle(self, *args, password: str, **options):
        rows = importers.read((DEMO / "references.jsonl").read_bytes(), fmt="jsonl")
        report = services.references_import(rows=rows)
        embedded = services.references_embed()
        self.stdout.write(f"references: {report.imported} new, {report.updated} updated, {embedded} embedded")

        article, created = services.article_ingest(
            text=(DEMO / "article.txt").read_text(encoding="utf-8"),
            title="Russian lawmakers back defence pact with Pyongyang",
            published=DEMO_PUBLISHED,
        )
        self.stdout.write(f"demo article {article.pk}: {'queued' if created else article.get_status_display()}")

        users = get_user_model()
        for username, role in (("reviewer", roles.REVIEWER), ("editor", roles.EDITOR)):
            user, _ = users.objects.get_or_create(username=username)
            user.set_password(password)
            user.save()
            user.groups.add(Group.objects.get(name=role))
            self.stdout.write(f"demo {role}: username {username!r}, password {password!r}")
