from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.urls import reverse

from claims import roles, services
from claims.services import importers, sources

DEMO = Path(__file__).resolve().parents[2] / "demo"
# Polled every minute, so an article added to feed.json appears within one.
DEMO_INTERVAL = 60


class Command(BaseCommand):
    help = "Load the demo reference corpus, watch the demo feed, and create the demo accounts."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="factcheck-demo")

    def handle(self, *args, password: str, **options):
        rows = importers.read((DEMO / "references.jsonl").read_bytes(), fmt="jsonl")
        report = services.references_import(rows=rows)
        embedded = services.references_embed()
        self.stdout.write(f"references: {report.imported} new, {report.updated} updated, {embedded} embedded")

        # The demo articles arrive as a newsroom's do: through a watched feed,
        # served by this project (claims/demo/feed.json), polled by the worker.
        url = settings.SITE_URL.rstrip("/") + reverse("claims:demo-feed")
        source, created = sources.source_ensure(url=url, name="Demo Wire", interval=DEMO_INTERVAL)
        state = "added" if created else "already watched"
        self.stdout.write(f"demo source {source.pk} ({state}): {url}; its articles arrive once a worker polls it")

        users = get_user_model()
        for username, role in (("reviewer", roles.REVIEWER), ("editor", roles.EDITOR)):
            user, _ = users.objects.get_or_create(username=username)
            user.set_password(password)
            user.save()
            user.groups.add(Group.objects.get(name=role))
            self.stdout.write(f"demo {role}: username {username!r}, password {password!r}")
