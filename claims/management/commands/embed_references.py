from django.core.management.base import BaseCommand

from claims import services
from claims.engine import embedding, multilingual
from claims.models import Reference
from claims.services import enqueue


class Command(BaseCommand):
    help = (
        "Embed references that have no embedding from the current model (after a model change, all of them), "
        "with the English model and then with the multilingual one. "
        "Queues the work for a Celery worker unless --now is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Re-embed every reference, even current ones.")
        parser.add_argument("--now", action="store_true", help="Embed in this process instead of a worker.")

    def handle(self, *args, all: bool, now: bool, **options):
        if all:
            Reference.objects.update(embedding=None, embedding_model="", embedding_ml=None, embedding_ml_model="")
        pending = Reference.objects.needing_embedding(embedding.model_name()).count()
        pending_ml = Reference.objects.needing_multilingual_embedding(multilingual.model_name()).count()
        if now:
            done = services.references_embed(also_multilingual=False)
            self.stdout.write(f"embedded {done} of {pending}")
            if pending_ml:
                self.stdout.write(f"multilingual: embedded {services.references_embed_multilingual()} of {pending_ml}")
        else:
            enqueue.later("references_embed")
            self.stdout.write(f"queued {pending} references for embedding ({pending_ml} multilingual)")
