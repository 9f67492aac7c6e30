import datetime as dt
import json
import sys
from itertools import islice
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims.extraction import extract, extract_many, html_to_text, looks_like_html

# Lines are read and extracted this many at a time, so a huge file streams.
LINES_CHUNK = 1024
_SINGULAR = {"quantities": "quantity", "tallies": "tally", "rankings": "ranking", "dates": "date"}


class Command(BaseCommand):
    help = (
        "Print the claims of one article (PATH, or - for standard input). With --lines, PATH holds one text "
        "per line and each line's claims print as one JSON object."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="A text or HTML file, or - for standard input.")
        parser.add_argument("--published", type=_date, default=None, help="Publication date, YYYY-MM-DD.")
        parser.add_argument("--json", action="store_true", help="Print JSON (always on with --lines).")
        parser.add_argument("--lines", action="store_true", help="One text per line; one JSON object per line.")
        parser.add_argument("--html", action="store_true", help="Input is HTML (detected when not given).")
        parser.add_argument("--batch-size", type=int, default=64, help="Sentences per spaCy batch.")

    def handle(self, *args, path: str, published, json: bool, lines: bool, html: bool, batch_size: int, **options):
        handle = sys.stdin if path == "-" else _open(path)
        try:
            if lines:
                self._lines(handle, published=published, force_html=html, batch_size=batch_size)
                return
            text = handle.read()
        finally:
            if handle is not sys.stdin:
                handle.close()
        if html or looks_like_html(text):
            text = html_to_text(text)
        claims = [claim.to_dict() for claim in extract(text, published=published)]
        if json:
            self.stdout.write(_dumps(claims, indent=2))
            return
        for claim in claims:
            self.stdout.write(f"[{claim['kind']} {claim['checkworthiness']:.2f}] {claim['start']}-{claim['end']}")
            self.stdout.write(f"  {claim['text']}")
            slots = claim["slots"]
            for key in ("quantities", "tallies", "rankings", "dates"):
                for slot in slots[key]:
                    details = {k: v for k, v in slot.items() if k not in {"text", "start", "end"} and v is not None}
                    self.stdout.write(
                        f"  {key[:-1] if key != 'quantities' else 'quantity'}: {slot['text']!r} {details}"
                    )
            for key in ("actor", "source"):
                if slots[key]:
                    self.stdout.write(f"  {key}: {slots[key]}")

    def _lines(self, handle, *, published, force_html: bool, batch_size: int) -> None:
        number = 0
        while chunk := list(islice(handle, LINES_CHUNK)):
            texts = [line.rstrip("\r\n") for line in chunk]
            texts = [html_to_text(t) if force_html or looks_like_html(t) else t for t in texts]
            for claims in extract_many(texts, published=published, batch_size=batch_size):
                number += 1
                self.stdout.write(_dumps({"line": number, "claims": [c.to_dict() for c in claims]}))


def _open(path: str):
    try:
        return Path(path).open(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--published must be YYYY-MM-DD, not {value!r}") from exc


def _dumps(value, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent)
