import hashlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims.extraction.checkworthiness import MODEL_PATH, load_debates, load_ranker, save_ranker
from claims.extraction.evaluation import fit_ranker


class Command(BaseCommand):
    help = (
        "Rebuild the check-worthiness model file from CheckThat! 2020 task 5 style debates "
        "(line_number, speaker, text, label). The same debates give the same file, byte for byte."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="A folder of .tsv debates, or one .tsv file.")
        parser.add_argument("--out", type=Path, default=MODEL_PATH, help=f"Where to write it (default {MODEL_PATH}).")

    def handle(self, *args, path: Path, out: Path, **options):
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        debates = load_debates(path)
        if not debates:
            raise CommandError(f"No debate files (*.tsv) under {path}")
        try:
            ranker = fit_ranker(debates)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        save_ranker(ranker, out)
        load_ranker(out)  # fail here, not in the pipeline, if the file does not read back
        data = out.read_bytes()
        self.stdout.write(
            f"{out}: {len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()[:16]}; "
            f"{len(debates)} debates, {sum(len(d.texts) for d in debates)} sentences, "
            f"{sum(sum(d.labels) for d in debates)} check-worthy"
        )
