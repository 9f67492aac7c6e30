import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims import services


class Command(BaseCommand):
    help = "Store an article from a text file and queue it for claim extraction and matching."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--published", type=dt.date.fromisoformat, help="Publication date, YYYY-MM-DD.")
        parser.add_argument("--title", default="")
        parser.add_argument("--url", default="")

    def handle(self, *args, path: Path, published, title: str, url: str, **options):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        try:
            article, created = services.article_ingest(
                text=text, title=title or path.stem, url=url, published=published
            )
        except services.InvalidInput as exc:
            raise CommandError(exc.message) from exc
        verb = "Queued" if created else "Already stored as"
        self.stdout.write(f"{verb} article {article.pk} ({article.get_status_display()})")
