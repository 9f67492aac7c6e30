import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")


class Task(DjangoTask):
    def delay_on_commit(self, *args, **kwargs) -> None:
        # robust=True: a broker that is down must not turn an already committed
        # submission into an error. The row is the source of truth and the
        # periodic sweep re-enqueues work that never reached a worker.
        def publish() -> None:
            self.delay(*args, **kwargs)

        # Django logs a failed robust callback by its __qualname__, which a
        # functools.partial lacks: the log line itself would raise (a 500).
        publish.__qualname__ = f"{self.name}.delay"
        transaction.on_commit(publish, robust=True)


app = Celery("factcheck", task_cls=Task)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
