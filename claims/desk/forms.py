"""Forms of the reviewer's desk: they parse and validate; services do the work."""

from __future__ import annotations

from typing import cast

from django import forms
from django.conf import settings
from django.conf.locale import LANG_INFO
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.http import QueryDict

from claims.models import UNDETERMINED_LANGUAGE, Claim, Reference, Source
from claims.services import ANY_STATUS

ME, NOBODY = "me", "none"
# The queue's orders (services.queue.QUEUE_SORTS), as the sort control names them.
SORTS = {"checkworthiness": "Check-worthiness", "repeats": "Most repeated", "newest": "Newest"}


def language_choices() -> list[tuple[str, str]]:
    """The languages lingua chooses among (settings.LANGUAGE_DETECTION_LANGUAGES),
    by name, and "undetermined"."""
    named = []
    for code in settings.LANGUAGE_DETECTION_LANGUAGES:
        code = code.strip().lower()
        named.append((code, LANG_INFO.get(code, {}).get("name", code)))
    return [*sorted(named, key=lambda pair: pair[1]), (UNDETERMINED_LANGUAGE, "Undetermined")]


class QueueFilterForm(forms.Form):
    """The queue's GET parameters. Invalid values are ignored, not fatal: a
    stale bookmarked URL still shows a queue."""

    status = forms.ChoiceField(
        required=False, choices=[("", "Awaiting review"), *Claim.Status.choices, (ANY_STATUS, "Any status")]
    )
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Claim.Kind.choices])
    language = forms.ChoiceField(required=False)
    article = forms.IntegerField(required=False, min_value=1)
    assignee = forms.ChoiceField(required=False)
    differs = forms.BooleanField(required=False, label="Numbers differ from a match")
    sort = forms.ChoiceField(required=False, choices=list(SORTS.items()), label="Sort by")

    FIELDS = ("status", "kind", "language", "article", "assignee", "differs", "sort")

    def __init__(self, data=None, *, reviewers=(), **kwargs) -> None:
        super().__init__(data, label_suffix="", **kwargs)
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            ("", "Anyone"),
            (ME, "Me"),
            (NOBODY, "Nobody"),
            *((str(user.pk), user.get_username()) for user in reviewers),
        ]
        cast(forms.ChoiceField, self.fields["language"]).choices = [("", "Any language"), *language_choices()]

    def queue_filters(self, *, user) -> dict:
        """Keyword arguments for services.claim_queue: one row per group, in the
        order asked for (claim_neighbours takes the same `sort`)."""
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        assignee = data.get("assignee") or ""
        return {
            "status": data.get("status") or None,
            "kind": data.get("kind") or None,
            "language": data.get("language") or None,
            "article_id": data.get("article"),
            "assignee_id": user.pk if assignee == ME else int(assignee) if assignee.isdigit() else None,
            "unassigned": assignee == NOBODY,
            "numbers_differ": bool(data.get("differs")),
            "groups": True,
            "sort": data.get("sort") or "checkworthiness",
        }

    def querystring(self) -> str:
        """The filters (no page) to carry from the queue to a claim and back."""
        if not self.is_bound:
            return ""
        kept = cast(QueryDict, self.data).copy()
        for name in list(kept):
            if name not in self.FIELDS or not kept.get(name):
                del kept[name]
        return kept.urlencode()


class GroupSplitForm(forms.Form):
    claim = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class GroupMergeForm(forms.Form):
    other = forms.IntegerField(
        min_value=1, label="Group number", help_text="Its members join this group; the other group goes."
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class SourcesField(forms.Field):
    """One URL per line, returned as a list."""

    widget = forms.Textarea(attrs={"rows": 3, "spellcheck": "false"})

    def to_python(self, value) -> list[str]:
        return [line.strip() for line in (value or "").splitlines() if line.strip()]

    def validate(self, value: list[str]) -> None:
        check = URLValidator(schemes=["http", "https"])
        for url in value:
            try:
                check(url)
            except ValidationError as exc:
                raise ValidationError(f"Not a web address: {url}") from exc

    def run_validators(self, value) -> None:
        pass

    def prepare_value(self, value) -> str:
        return "\n".join(value) if isinstance(value, list | tuple) else (value or "")


class VerdictForm(forms.Form):
    rating = forms.ChoiceField(widget=forms.RadioSelect)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    sources = SourcesField(required=False, label="Sources", help_text="One web address per line.")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["rating"]).choices = [
            (rating, rating) for rating in settings.VERDICT_RATINGS
        ]


class AssignForm(forms.Form):
    assignee: forms.ModelChoiceField = forms.ModelChoiceField(queryset=None, required=False, empty_label="Nobody")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, reviewers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = reviewers


class ReferenceForm(forms.ModelForm):
    url = forms.URLField(required=False, max_length=2000, assume_scheme="https", label="Address of the fact-check")

    class Meta:
        model = Reference
        fields = ["external_id", "text", "title", "subtitle", "rating", "publisher", "url", "published", "language"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "subtitle": forms.Textarea(attrs={"rows": 2}),
            "published": forms.DateInput(attrs={"type": "date"}),
        }
        labels = {"external_id": "External id"}
        help_texts = {"language": "ISO 639-1 code, e.g. en, es; leave it blank to have it identified from the text."}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The id ties the row to its source; re-imports upsert by it.
            self.fields["external_id"].disabled = True


# --- Sources, submission, search and imports -------------------------------------------


class SourceForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https", label="Address of the feed or sitemap")

    class Meta:
        model = Source
        fields = ["url", "name", "kind", "publisher", "interval"]
        labels = {"interval": "Poll every (seconds)"}
        help_texts = {"name": "Blank: the feed's title.", "publisher": "The outlet; blank: the feed's title."}


UPLOAD_TYPES = {".txt": "text", ".text": "text", ".html": "html", ".htm": "html"}


class SubmitForm(forms.Form):
    """An article pasted, uploaded or given by address; services.article_submit reads it."""

    text = forms.CharField(
        required=False,
        strip=False,
        max_length=settings.ARTICLE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 12}),
        label="Paste the article",
        help_text="Plain text or HTML.",
    )
    file = forms.FileField(required=False, label="…or upload a file", help_text=".txt or .html, UTF-8.")
    url = forms.URLField(
        required=False,
        max_length=2000,
        assume_scheme="https",
        label="…or give its address",
        help_text="Fetched when there is no text or file; also kept as where the article appeared.",
    )
    title = forms.CharField(required=False, max_length=500)
    published = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Publication date"
    )

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        upload = data.get("file")
        data["format"] = "auto"
        if upload is not None:
            suffix = "." + upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
            if suffix not in UPLOAD_TYPES:
                self.add_error("file", "Upload a .txt or .html file.")
                return data
            # UTF-8 takes at most four bytes a character.
            if upload.size > settings.ARTICLE_MAX_CHARS * 4:
                self.add_error("file", "The file is too large.")
                return data
            try:
                data["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("file", "The file is not UTF-8 text.")
                return data
            data["format"] = UPLOAD_TYPES[suffix]
        if not (data.get("text") or "").strip() and not data.get("url"):
            raise ValidationError("Paste the article, upload a file, or give its address.")
        return data


class SearchForm(forms.Form):
    q = forms.CharField(max_length=5000, label="Claim", strip=True)


class ImportForm(forms.Form):
    file = forms.FileField(help_text=f"At most {settings.IMPORT_MAX_BYTES // (1024 * 1024)} MB, UTF-8.")
    format = forms.ChoiceField(
        choices=[("jsonl", "JSON lines"), ("csv", "CSV with a header row"), ("claimreview", "ClaimReview JSON")]
    )
