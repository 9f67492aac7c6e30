from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("articles/<int:article_id>/", views.article_detail, name="article"),
    path("claims/<int:claim_id>/", views.claim_detail, name="claim"),
    path("claims/<int:claim_id>/verdict/", views.verdict_create, name="verdict-create"),
]
