import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims.extraction.evaluation import FOLDS, evaluate_path

_ROWS = (
    ("shipped_weights", "shipped model file"),
    ("learned", "same recipe, retrained"),
    ("baseline_tfidf_svm", "organisers' TF-IDF + SVM"),
    ("rules", "rule score (old)"),
)


class Command(BaseCommand):
    help = (
        "MAP, mean P@10 and mean R-Precision per debate of the check-worthiness model on CheckThat! 2020 "
        "task 5 style debates (line_number, speaker, text, label), beside the organisers' TF-IDF + SVM "
        "baseline trained on the same debates: cross-validated by debate, or trained on --train."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="A folder of .tsv debates, or one .tsv file.")
        parser.add_argument("--json", action="store_true", help="Print the full report as JSON.")
        parser.add_argument(
            "--train", type=Path, help="Train the recipe and the baseline on these debates and score PATH."
        )
        parser.add_argument("--folds", type=int, default=FOLDS, help=f"Cross-validation folds (default {FOLDS}).")
        parser.add_argument(
            "--rules", action="store_true", help="Also score the old rule score (parses every sentence: slow)."
        )

    def handle(self, *args, path: Path, json: bool, train: Path | None, folds: int, rules: bool, **options):
        for given in (path, train):
            if given is not None and not given.exists():
                raise CommandError(f"{given} does not exist.")
        if folds < 2:
            raise CommandError("--folds must be 2 or more.")
        try:
            report = evaluate_path(path, train=train, folds=folds, rules=rules)
        except (FileNotFoundError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if json:
            self.stdout.write(_dumps(report))
            return
        self.stdout.write(
            f"{report['debates']} debates, {report['sentences']} sentences ({report['positives']} check-worthy); "
            f"{report['protocol']}"
        )
        self.stdout.write(f"{'':28} {'MAP':>7} {'P@10':>7} {'R-Prec':>7} {'MAP numbers':>12}")
        for key, label in _ROWS:
            if part := report.get(key):
                self.stdout.write(
                    f"{label:28} {part['map_all']:7.4f} {part['mean_p_at_10']:7.4f} "
                    f"{part['mean_r_precision']:7.4f} {part['map_with_numbers']:12.4f}"
                )
        for note in report["notes"]:
            self.stdout.write(f"- {note}")


def _dumps(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
