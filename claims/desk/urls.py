from django.urls import path

from claims.desk import dashboard, demo, groups, imports, search, sources, submit, views

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
    path("groups/<int:group_id>/", groups.group_detail, name="group"),
    path("groups/<int:group_id>/split/", groups.group_split, name="group-split"),
    path("groups/<int:group_id>/merge/", groups.group_merge, name="group-merge"),
    path("verdicts/<int:verdict_id>/publish/", views.verdict_publish, name="verdict-publish"),
    path("verdicts/<int:verdict_id>/withdraw/", views.verdict_withdraw, name="verdict-withdraw"),
    path("references/", views.reference_list, name="references"),
    path("references/new/", views.reference_edit, name="reference-add"),
    path("references/<int:reference_id>/", views.reference_edit, name="reference-edit"),
    path("references/import/", imports.import_new, name="reference-import"),
    path("references/imports/<int:job_id>/", imports.import_detail, name="import"),
    path("references/imports/<int:job_id>/status/", imports.import_status, name="import-status"),
    path("submit/", submit.submit, name="submit"),
    path("search/", search.search, name="search"),
    path("sources/", sources.source_list, name="sources"),
    path("sources/add/", sources.source_add, name="source-add"),
    path("sources/<int:source_id>/", sources.source_detail, name="source"),
    path("sources/<int:source_id>/<slug:action>/", sources.source_action, name="source-action"),
    path("entries/<int:entry_id>/retry/", sources.entry_retry, name="entry-retry"),
    path("dashboard/", dashboard.dashboard_page, name="dashboard"),
    path("dashboard/<slug:key>.csv", dashboard.dashboard_csv, name="dashboard-csv"),
    path("demo/feed.xml", demo.demo_feed, name="demo-feed"),
    path("demo/articles/<slug:slug>/", demo.demo_article, name="demo-article"),
]
