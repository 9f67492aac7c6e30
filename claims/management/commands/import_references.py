from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from claims import services
from claims.services import enqueue, importers


class Command(BaseCommand):
    help = "Import reference fact-checks (upsert by external id), then queue their embedding."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--format", dest="fmt", choices=importers.FORMATS, default="jsonl")
        parser.add_argument("--embed-now", action="store_true", help="Embed in this process instead of a worker.")

    def handle(self, *args, path: Path, fmt: str, embed_now: bool, **options):
        try:
            data = path.read_bytes()
            rows = importers.read(data, fmt=fmt)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        progress = tqdm(rows, desc="references", unit=" rows", disable=None, file=self.stderr)
        report = services.references_import(rows=progress)
        self.stdout.write(
            f"imported {report.imported}, updated {report.updated}, unchanged {report.unchanged}, "
            f"rejected {len(report.rejected)}"
        )
        for line, reason in report.rejected[:50]:
            self.stdout.write(f"  line {line}: {reason}")
        if embed_now:
            self.stdout.write(f"embedded {services.references_embed()}")
        elif report.imported or report.updated:
            enqueue.later("references_embed")
            self.stdout.write("embedding queued")
