from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Services queue tasks by name (claims.services.enqueue): every process
        # that can queue one must have them registered.
        from claims import tasks  # noqa: F401
