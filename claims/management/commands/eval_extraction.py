import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims.extraction.slot_eval import checkthat_recall, evaluate_cases, factcheck_recall, load_cases

SHARED = Path(__file__).resolve().parents[4] / "shared" / "data"
DEBATES = SHARED / "checkthat2020-t5-debates" / "train"
FACTCHECKS = SHARED / "checkthat2022-2a-en" / "vclaims.jsonl"


class Command(BaseCommand):
    help = (
        "Recall and precision of the extracted slots per kind (and per language) on the project's own test "
        "sentences, and the share of check-worthy CheckThat! 2020 sentences with a digit (and of CheckThat! 2022 "
        "fact-check claims with a digit) where a value is found."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the full report as JSON.")
        parser.add_argument("--cases", type=Path, nargs="*", help="JSONL test files (default: the shipped set).")
        parser.add_argument("--held-out", action="store_true", help="Score the held-out sentences instead.")
        parser.add_argument("--debates", type=Path, default=DEBATES, help="CheckThat! 2020 task 5 debates.")
        parser.add_argument("--factchecks", type=Path, default=FACTCHECKS, help="CheckThat! 2022 vclaims.jsonl.")
        parser.add_argument(
            "--factcheck-half", choices=["dev", "test", "none"], default="dev", help="Which half of the fact-checks."
        )
        parser.add_argument("--misses", action="store_true", help="List the test sentences with a miss.")

    def handle(self, *args, json: bool, cases, held_out: bool, debates: Path, factchecks: Path, **options):
        loaded = load_cases(cases or None, held_out=held_out)
        if not loaded:
            raise CommandError("No test sentences found.")
        report = evaluate_cases(loaded)
        if debates.exists():
            report["checkthat2020_checkworthy_with_digit"] = checkthat_recall(debates)
        half = options["factcheck_half"]
        if factchecks.exists() and half != "none":
            found = factcheck_recall(factchecks, half=half)
            found.pop("missed")
            report["checkthat2022_factchecks_with_digit"] = found
        if json:
            self.stdout.write(
                _dumps(report if options["misses"] else {k: v for k, v in report.items() if k != "misses"})
            )
            return
        self.stdout.write(f"{report['sentences']} sentences")
        self._table("all languages", report["kinds"])
        if len(report["languages"]) > 1:
            for language, part in report["languages"].items():
                self._table(f"{language} ({part['sentences']} sentences)", part["kinds"])
        for key in ("checkthat2020_checkworthy_with_digit", "checkthat2022_factchecks_with_digit"):
            if part := report.get(key):
                count = part.get("sentences", part.get("claims"))
                self.stdout.write(
                    f"{key}: {count} texts, a value found in {part['recall_any_value']}, "
                    f"a number (not only a date) in {part['recall_number']}"
                )
        if options["misses"]:
            for miss in report["misses"]:
                self.stdout.write(f"{miss['where']}: {miss['text']}\n  got {_dumps(miss['got'])}")

    def _table(self, title: str, kinds: dict) -> None:
        self.stdout.write(f"\n{title}\n{'kind':<15} {'expected':>8} {'recall':>7} {'extracted':>9} {'precision':>9}")
        for kind, row in kinds.items():
            recall = "-" if row["recall"] is None else f"{row['recall']:.3f}"
            precision = "-" if row["precision"] is None else f"{row['precision']:.3f}"
            self.stdout.write(f"{kind:<15} {row['expected']:>8} {recall:>7} {row['extracted']:>9} {precision:>9}")


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
