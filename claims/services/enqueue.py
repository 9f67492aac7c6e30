"""The one place where services hand work to Celery.

Tasks call services and services never import the tasks: a task is looked up
by name in the Celery app's registry (claims.apps imports claims.tasks when
Django starts, so every process knows them) and published once the current
transaction commits, so a worker never reads a row that is not there yet.
"""

from __future__ import annotations

from celery import current_app

from claims.models import Article

ARTICLE_STAGE_TASKS: dict[str, str] = {
    Article.Status.PENDING: "article_extract",
    # A redelivery after a lost worker: extraction is safe to repeat.
    Article.Status.EXTRACTING: "article_extract",
    Article.Status.EMBEDDING: "article_embed",
    Article.Status.MATCHING: "article_match",
}


def later(name: str, *args) -> None:
    """Queue the task claims.tasks.<name>(*args) once the transaction commits."""
    current_app.tasks[f"claims.tasks.{name}"].delay_on_commit(*args)


def article_stage(*, article: Article) -> None:
    """Queue the task of the stage the article is at, if it has one left."""
    name = ARTICLE_STAGE_TASKS.get(article.status)
    if name is not None:
        later(name, article.pk)
