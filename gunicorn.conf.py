"""gunicorn reads this file from the working directory. Each worker loads the
embedding and spaCy models in the background as soon as it has loaded the app,
so the first POST /api/match does not pay for them (seconds, not milliseconds)."""


def post_worker_init(worker) -> None:
    from claims.engine import warmup

    warmup.warm_in_background()
