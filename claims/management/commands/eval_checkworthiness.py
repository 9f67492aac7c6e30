import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims.extraction.evaluation import evaluate_path


class Command(BaseCommand):
    help = (
        "Mean per-debate average precision of the check-worthiness score on CheckThat! 2020 task 5 style "
        "debates (line_number, speaker, text, label), over all sentences and over those with numbers."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="A folder of .tsv debates, or one .tsv file.")
        parser.add_argument("--json", action="store_true", help="Print the full report as JSON.")
        parser.add_argument(
            "--tune",
            action="store_true",
            help="Also tune the weights: two-fold by debate (held-out MAP) and on all debates.",
        )

    def handle(self, *args, path: Path, json: bool, tune: bool, **options):
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        try:
            report = evaluate_path(path, tune_weights=tune)
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        if json:
            self.stdout.write(_dumps(report))
            return
        shipped = report["shipped_weights"]
        self.stdout.write(
            f"{report['debates']} debates, {shipped['sentences']} sentences ({shipped['positives']} check-worthy), "
            f"{report['sentences_per_second']} sentences/s"
        )
        self.stdout.write(f"MAP all sentences:       {shipped['map_all']:.4f} ({shipped['debates_all']} debates)")
        self.stdout.write(
            f"MAP sentences w/ numbers: {shipped['map_with_numbers']:.4f} ({shipped['debates_with_numbers']} debates, "
            f"{shipped['sentences_with_numbers']} sentences)"
        )
        if tune:
            for name in ("held_out_two_fold", "in_sample_tuned_on_all"):
                part = report["tuning"][name]
                self.stdout.write(f"{name}: all {part['map_all']:.4f}, with numbers {part['map_with_numbers']:.4f}")
            self.stdout.write("weights tuned on all: " + _dumps(report["tuning"]["weights_tuned_on_all"]))


def _dumps(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
