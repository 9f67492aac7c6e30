import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims.engine import checkworthiness as joint_model
from claims.extraction.evaluation import FOLDS, evaluate_path

_ROWS = (
    ("shipped_weights", "shipped model file"),
    ("learned", "same recipe, retrained"),
    ("shipped_joint", "joint model file"),
    ("joint", "joint recipe, retrained"),
    ("baseline_tfidf_svm", "organisers' TF-IDF + SVM"),
    ("rules", "rule score (old)"),
)


class Command(BaseCommand):
    help = (
        "MAP, mean P@10 and mean R-Precision per debate of the check-worthiness model on CheckThat! 2020 "
        "task 5 style debates (line_number, speaker, text, label), beside the organisers' TF-IDF + SVM "
        "baseline trained on the same debates: cross-validated by debate, or trained on --train. The "
        "text model is the extraction library's; the joint model (text + sentence embedding) is the one "
        "claims carry once embedded."
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
        parser.add_argument(
            "--text-only", action="store_true", help="Leave out the joint model (no sentence is embedded)."
        )
        parser.add_argument(
            "--grid",
            nargs="+",
            default=[],
            metavar="C:WEIGHT",
            help="Also cross-validate the joint recipe with these C and embedding weights (e.g. 0.3:0.5 1:1).",
        )

    def handle(
        self,
        *args,
        path: Path,
        json: bool,
        train: Path | None,
        folds: int,
        rules: bool,
        text_only: bool,
        grid: list[str],
        **options,
    ):
        for given in (path, train):
            if given is not None and not given.exists():
                raise CommandError(f"{given} does not exist.")
        if folds < 2:
            raise CommandError("--folds must be 2 or more.")
        try:
            pairs = [(float(c), float(w)) for c, w in (item.split(":") for item in grid)]
        except ValueError as exc:
            raise CommandError(f"--grid takes C:WEIGHT pairs such as 1:0.5 ({exc})") from exc
        if (text_only or train) and pairs:
            raise CommandError("--grid is cross-validated: not with --train or --text-only.")
        try:
            if text_only:
                report = evaluate_path(path, train=train, folds=folds, rules=rules)
            else:
                report = joint_model.evaluate_path(path, train=train, folds=folds, rules=rules, grid=pairs)
        except (FileNotFoundError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if json:
            self.stdout.write(_dumps(report))
            return
        self.stdout.write(
            f"{report['debates']} debates, {report['sentences']} sentences ({report['positives']} check-worthy); "
            f"{report['protocol']}"
        )
        rows = [(label, report[key]) for key, label in _ROWS if report.get(key)]
        rows += [(f"joint, C {c['c']:g} weight {c['embedding_weight']:g}", c) for c in report.get("joint_grid", [])]
        self.stdout.write(f"{'':28} {'MAP':>7} {'P@10':>7} {'R-Prec':>7} {'MAP numbers':>12}")
        for label, part in rows:
            self.stdout.write(
                f"{label:28} {part['map_all']:7.4f} {part['mean_p_at_10']:7.4f} "
                f"{part['mean_r_precision']:7.4f} {part['map_with_numbers']:12.4f}"
            )
        for candidate in [report.get("joint"), *report.get("joint_grid", [])]:
            diff = (candidate or {}).get("minus_learned")
            if diff and diff["mean"] is not None:
                self.stdout.write(
                    f"joint (C {candidate['c']:g}, weight {candidate['embedding_weight']:g}) minus text recipe, "
                    f"AP per debate: {diff['mean']:+.4f}, 95% CI {diff['ci95']}, "
                    f"{diff['debates_better']} debates better, {diff['debates_worse']} worse"
                )
        for note in report["notes"]:
            self.stdout.write(f"- {note}")


def _dumps(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
