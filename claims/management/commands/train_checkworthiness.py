import hashlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims.engine import checkworthiness as joint_model
from claims.engine import embedding
from claims.extraction.checkworthiness import MODEL_PATH, load_debates, load_ranker, save_ranker
from claims.extraction.evaluation import fit_ranker


class Command(BaseCommand):
    help = (
        "Rebuild a check-worthiness model file from CheckThat! 2020 task 5 style debates "
        "(line_number, speaker, text, label): the extraction library's text model, or with --joint the "
        "model of text and sentence embedding that scores claims once they are embedded. The same "
        "debates give the same file, byte for byte (with --joint: embedded by the same backend)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="A folder of .tsv debates, or one .tsv file.")
        parser.add_argument(
            "--out", type=Path, help=f"Where to write it (default {MODEL_PATH}; with --joint {joint_model.MODEL_PATH})."
        )
        parser.add_argument(
            "--joint",
            action="store_true",
            help="Build the joint model (hashed n-grams + MiniLM embedding) instead: embeds every sentence.",
        )

    def handle(self, *args, path: Path, out: Path | None, joint: bool, **options):
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        debates = load_debates(path)
        if not debates:
            raise CommandError(f"No debate files (*.tsv) under {path}")
        out = out or (joint_model.MODEL_PATH if joint else MODEL_PATH)
        try:
            if joint:
                vectors = joint_model.embed_debates(debates)
                model = joint_model.fit_joint(debates, vectors, embedding_model=embedding.model_name())
                joint_model.save_joint(model, out)
                joint_model.load_joint(out)  # fail here, not at the embedding stage, if it does not read back
            else:
                save_ranker(fit_ranker(debates), out)
                load_ranker(out)  # fail here, not in the pipeline, if the file does not read back
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        data = out.read_bytes()
        self.stdout.write(
            f"{out}: {len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()[:16]}; "
            f"{len(debates)} debates, {sum(len(d.texts) for d in debates)} sentences, "
            f"{sum(sum(d.labels) for d in debates)} check-worthy"
        )
