from django.urls import path

from claims.desk import views

app_name = "claims"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("articles/failed/", views.failed_articles, name="failed-articles"),
    path("articles/<int:article_id>/", views.article_detail, name="article"),
    path("articles/<int:article_id>/status/", views.article_status, name="article-status"),
    path("articles/<int:article_id>/retry/", views.article_retry, name="article-retry"),
    path("claims/<int:claim_id>/", views.claim_detail, name="claim"),
    path("claims/<int:claim_id>/verdict/", views.verdict_create, name="verdict-create"),
    path("claims/<int:claim_id>/assign/", views.claim_assign, name="claim-assign"),
    path("matches/<int:match_id>/decide/", views.match_decide, name="match-decide"),
    path("verdicts/<int:verdict_id>/publish/", views.verdict_publish, name="verdict-publish"),
    path("references/", views.reference_list, name="references"),
    path("references/new/", views.reference_edit, name="reference-add"),
    path("references/<int:reference_id>/", views.reference_edit, name="reference-edit"),
]
