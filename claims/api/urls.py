from django.urls import path

from claims.api import articles, claims, groups, matching, references, sources, verdicts, webhooks

app_name = "api"

urlpatterns = [
    path("articles", articles.articles, name="articles"),
    path("articles/<int:article_id>", articles.article_detail, name="article-detail"),
    path("claims", claims.claim_list, name="claims"),
    path("claims/<int:claim_id>", claims.claim_detail, name="claim-detail"),
    path("claims/<int:claim_id>/assign", claims.claim_assign, name="claim-assign"),
    path("claims/<int:claim_id>/verdicts", verdicts.verdict_create, name="claim-verdicts"),
    path("groups", groups.group_list, name="groups"),
    path("groups/merge", groups.groups_merge, name="groups-merge"),
    path("groups/<int:group_id>", groups.group_detail, name="group-detail"),
    path("groups/<int:group_id>/split", groups.group_split, name="group-split"),
    path("matches/<int:match_id>/decision", claims.match_decide, name="match-decision"),
    path("match", matching.match, name="match"),
    path("match/batch", matching.match_batch, name="match-batch"),
    path("verdicts", verdicts.verdict_list, name="verdicts"),
    path("verdicts/<int:verdict_id>", verdicts.verdict, name="verdict-detail"),
    path("verdicts/<int:verdict_id>/publish", verdicts.verdict_publish, name="verdict-publish"),
    path("verdicts/<int:verdict_id>/withdraw", verdicts.verdict_withdraw, name="verdict-withdraw"),
    path("verdicts/<int:verdict_id>/claimreview", verdicts.verdict_claimreview, name="verdict-claimreview"),
    path("claimreview", verdicts.claimreview_feed, name="claimreview-feed"),
    path("references", references.references, name="references"),
    path("references/import", references.references_import, name="references-import"),
    path("references/<int:reference_id>", references.reference, name="reference-detail"),
    path("imports", references.import_list, name="imports"),
    path("imports/<int:job_id>", references.import_detail, name="import-detail"),
    path("webhooks", webhooks.webhooks, name="webhooks"),
    path("webhooks/<int:webhook_id>", webhooks.webhook, name="webhook-detail"),
    path("sources", sources.source_collection, name="sources"),
    path("sources/<int:source_id>", sources.source_detail, name="source-detail"),
    path("sources/<int:source_id>/poll", sources.source_poll, name="source-poll"),
]
