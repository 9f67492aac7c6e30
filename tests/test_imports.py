"""Torch takes seconds to import; the web tier must not pay it on start-up."""

import subprocess
import sys


def test_it_does_not_import_torch_when_loading_the_views():
    code = (
        "import django, sys; django.setup(); "
        "import claims.desk.views, claims.api.urls, factcheck.urls; "
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'spacy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"DJANGO_SETTINGS_MODULE": "factcheck.settings", "PATH": "/usr/bin:/bin"},
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"
