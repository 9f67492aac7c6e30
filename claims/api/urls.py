from django.urls import path

from claims.api import views

app_name = "api"

urlpatterns = [
    path("articles", views.article_submit, name="article-submit"),
    path("articles/<int:article_id>", views.article_detail, name="article-detail"),
    path("match", views.match, name="match"),
]
