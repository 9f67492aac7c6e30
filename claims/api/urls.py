from django.urls import path

from claims.api import sources, views

app_name = "api"

urlpatterns = [
    path("articles", views.articles, name="articles"),
    path("articles/<int:article_id>", views.article_detail, name="article-detail"),
    path("claims", views.claim_list, name="claims"),
    path("claims/<int:claim_id>", views.claim_detail, name="claim-detail"),
    path("claims/<int:claim_id>/assign", views.claim_assign, name="claim-assign"),
    path("claims/<int:claim_id>/verdicts", views.verdict_create, name="claim-verdicts"),
    path("matches/<int:match_id>/decision", views.match_decide, name="match-decision"),
    path("match", views.match, name="match"),
    path("match/batch", views.match_batch, name="match-batch"),
    path("verdicts", views.verdict_list, name="verdicts"),
    path("verdicts/<int:verdict_id>", views.verdict, name="verdict-detail"),
    path("verdicts/<int:verdict_id>/publish", views.verdict_publish, name="verdict-publish"),
    path("verdicts/<int:verdict_id>/claimreview", views.verdict_claimreview, name="verdict-claimreview"),
    path("claimreview", views.claimreview_feed, name="claimreview-feed"),
    path("references", views.references, name="references"),
    path("references/import", views.references_import, name="references-import"),
    path("references/<int:reference_id>", views.reference, name="reference-detail"),
    path("imports", views.import_list, name="imports"),
    path("imports/<int:job_id>", views.import_detail, name="import-detail"),
    path("webhooks", views.webhooks, name="webhooks"),
    path("webhooks/<int:webhook_id>", views.webhook, name="webhook-detail"),
    path("sources", sources.source_collection, name="sources"),
    path("sources/<int:source_id>", sources.source_detail, name="source-detail"),
    path("sources/<int:source_id>/poll", sources.source_poll, name="source-poll"),
]
