from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from claims.desk import views as claim_views
from claims.ops import health

urlpatterns = [
    path("health/", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("claimreview/feed.json", claim_views.claimreview_feed, name="claimreview-feed"),
    path("claimreview/<int:verdict_id>.json", claim_views.claimreview_detail, name="claimreview-detail"),
    path("api/", include("claims.api.urls")),
    path("", include("claims.desk.urls")),
]

# JSON for /api/ paths, the usual pages elsewhere (used when DEBUG is off).
handler400 = "claims.api.errors.handler400"
handler404 = "claims.api.errors.handler404"
handler500 = "claims.api.errors.handler500"
