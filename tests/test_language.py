"""Language identification with lingua's packaged models: the languages the
desk handles, short texts, texts that have no language, one load per process."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from claims.engine import evaluation, language

SET = Path(__file__).resolve().parents[1] / "bench" / "data" / "multilingual"

SENTENCES = {
    "en": "The city council voted 7 to 2 on Tuesday to close the old bridge to cars.",
    "es": "El ayuntamiento votó el martes cerrar el puente viejo a los coches.",
    "fr": "Le conseil municipal a voté mardi la fermeture du vieux pont aux voitures.",
    "de": "Der Stadtrat hat am Dienstag beschlossen, die alte Brücke für Autos zu sperren.",
    "pt": "A câmara municipal votou na terça-feira o fecho da ponte velha aos carros.",
    "ar": "صوّت المجلس البلدي يوم الثلاثاء على إغلاق الجسر القديم أمام السيارات.",
}


@pytest.mark.parametrize(("code", "text"), SENTENCES.items())
def test_it_names_the_language_of_a_sentence(code: str, text: str):
    assert language.detect(text) == code


@pytest.mark.parametrize("text", ["", "   ", "397-0", "https://example.com/news/2024", "@someone #", "12,000 (3.5%)"])
def test_it_calls_a_text_without_words_undetermined(text: str):
    assert language.detect(text) == language.UNDETERMINED


def test_it_ignores_links_and_handles():
    # Left in, the English words of the link outvote a short Spanish post.
    text = "https://example.com/breaking-news-about-the-bridge-closure-today @citynews Cierran el puente viejo"
    assert language.detect(text) == "es"


def test_it_detects_many_texts_as_it_detects_each():
    texts = [*SENTENCES.values(), "", "https://example.com"]
    assert language.detect_many(texts) == [language.detect(text) for text in texts]
    assert language.detect_many([]) == []


def test_it_names_the_evaluation_claims_languages():
    # Short social-media claims are the hard case: lingua restricted to the six
    # languages gets 197 of these 200 right (bench/language_id.py).
    right = total = 0
    for code in ("en", "es", "fr", "de", "pt", "ar"):
        texts = list(evaluation.read_queries(SET / f"queries-{code}.tsv").values())
        found = language.detect_many(texts)
        right += sum(found_code == code for found_code in found)
        total += len(texts)
    assert total == 200
    assert right / total >= 0.97


def test_it_builds_the_detector_once_when_threads_race(monkeypatch):
    built = []
    real = language._build

    def counting():
        built.append(1)
        return real()

    monkeypatch.setattr(language, "_detector", None)
    monkeypatch.setattr(language, "_build", counting)
    found: list = []
    threads = [threading.Thread(target=lambda: found.append(language.detector())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1
    assert all(detector is found[0] for detector in found)
    assert language.is_loaded()


def test_it_chooses_only_among_the_configured_languages(monkeypatch, settings):
    monkeypatch.setattr(language, "_detector", None)
    settings.LANGUAGE_DETECTION_LANGUAGES = ["en", "es"]
    # Portuguese is not a candidate: the nearest configured language wins.
    assert language.detect(SENTENCES["pt"]) == "es"
    assert language.languages() == ("en", "es")


def test_it_refuses_a_language_lingua_does_not_know(monkeypatch, settings):
    monkeypatch.setattr(language, "_detector", None)
    settings.LANGUAGE_DETECTION_LANGUAGES = ["en", "xx"]
    with pytest.raises(ImproperlyConfigured, match="xx"):
        language.detect("anything at all")


def test_it_needs_two_languages_to_choose_between(monkeypatch, settings):
    monkeypatch.setattr(language, "_detector", None)
    settings.LANGUAGE_DETECTION_LANGUAGES = ["en"]
    with pytest.raises(ImproperlyConfigured, match="two languages"):
        language.detect("anything at all")


def test_it_still_names_sentences_in_low_accuracy_mode(monkeypatch, settings):
    monkeypatch.setattr(language, "_detector", None)
    settings.LANGUAGE_DETECTION_LOW_ACCURACY = True
    assert [language.detect(text) for text in SENTENCES.values()] == list(SENTENCES)


def test_it_leaves_undecided_texts_undetermined(monkeypatch, settings):
    monkeypatch.setattr(language, "_detector", None)
    # With a minimum distance between the two best languages, a word shared
    # by Spanish and Portuguese is left undecided rather than guessed.
    settings.LANGUAGE_DETECTION_MIN_DISTANCE = 0.5
    assert language.detect("sol") == language.UNDETERMINED
    assert language.detect(SENTENCES["de"]) == "de"
