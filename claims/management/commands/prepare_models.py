import time

from django.core.management.base import BaseCommand

from claims.engine import warmup


class Command(BaseCommand):
    help = (
        "Export the embedding models to ONNX (into .var/models) and load every model once. "
        "Run it where a machine is built (an image, CI) so that no first request, task or test pays for the export."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        warmup.warm()
        self.stdout.write(f"models ready in {time.perf_counter() - started:.1f}s")
