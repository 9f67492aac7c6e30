from django.core.management.base import BaseCommand

from claims import services
from claims.engine import embedding
from claims.models import Reference
from claims.services import enqueue


class Command(BaseCommand):
    help = (
        "Embed references that have no embedding from the current model (after a model change, all of them). "
        "Queues the work for a Celery worker unless --now is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Re-embed every reference, even current ones.")
        parser.add_argument("--now", action="store_true", help="Embed in this process instead of a worker.")

    def handle(self, *args, all: bool, now: bool, **options):
        if all:
            Reference.objects.update(embedding=None, embedding_model="")
        pending = Reference.objects.needing_embedding(embedding.model_name()).count()
        if now:
            self.stdout.write(f"embedded {services.references_embed()} of {pending}")
        else:
            enqueue.later("references_embed")
            self.stdout.write(f"queued {pending} references for embedding")
