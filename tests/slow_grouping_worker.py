"""The project's Celery app with grouping slowed down while it holds its lock,
for the test that two workers grouping near-identical claims at the same
moment make one group: without the pause the two decisions would rarely
overlap, and the test could pass without the lock. Only
`celery -A tests.slow_grouping_worker` loads it."""

from __future__ import annotations

import os
import time

from celery.signals import worker_process_init

from factcheck.celery import app

__all__ = ["app"]


@worker_process_init.connect
def slow_down_grouping(**kwargs) -> None:
    # Django is set up by the time a pool process starts, not when this module loads.
    from claims.services import groups

    candidates = groups._candidates

    def slow_candidates(claim, **kwargs):
        found = candidates(claim, **kwargs)
        time.sleep(float(os.environ.get("SLOW_GROUPING_SECONDS", "2")))
        return found

    # claim_group looks _candidates up at call time.
    groups._candidates = slow_candidates
