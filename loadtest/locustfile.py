"""Locust users for `make load` (loadtest/run.py starts the services and runs
each user class on its own, headless).

MatchUser: a client checking claims against the corpus, one request after
another with no pause (a closed loop), so N users are N concurrent requests.
BurstUser: each user submits one article of LOAD_ARTICLES and stops; the run
ends when the last one is accepted.
"""

from __future__ import annotations

import json
import os
import random
import time
from itertools import count

from locust import HttpUser, constant, events, task
from locust.exception import StopUser

TOKEN = os.environ.get("LOAD_TOKEN", "")
HEADERS = {"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"}

# Claim texts a fact-checker would paste: some close to the demo corpus, some not.
CLAIMS = [
    "The State Duma voted 397 to 0 to ratify the treaty with North Korea.",
    "Russian lawmakers voted 400 to 0 to approve the defence treaty with Pyongyang.",
    "North Korea sent about 12,000 troops to Russia, South Korean intelligence said.",
    "Putin and Kim Jong Un signed the partnership pact in June 2024.",
    "Inflation in Russia reached 9 per cent in October.",
    "The treaty obliges each side to give military help if the other is attacked.",
    "The Federation Council approved the pact on 6 November.",
    "Parliament passed the budget by 250 votes to 120.",
    "Unemployment fell to 2.4% in the third quarter.",
    "The city council voted unanimously to close the bridge.",
]


class MatchUser(HttpUser):
    wait_time = constant(0)

    @task
    def match(self) -> None:
        body = {"text": random.choice(CLAIMS), "top_k": 5}
        self.client.post("/api/match", data=json.dumps(body), headers=HEADERS, name="POST /api/match")


_articles: list[dict] = []
_next = count()
_accepted = count(1)


def _load_articles() -> list[dict]:
    if not _articles:
        with open(os.environ["LOAD_ARTICLES"], encoding="utf-8") as file:
            _articles.extend(json.load(file))
    return _articles


class BurstUser(HttpUser):
    wait_time = constant(0)

    @task
    def submit(self) -> None:
        articles = _load_articles()
        i = next(_next)
        if i >= len(articles):
            raise StopUser()
        with self.client.post(
            "/api/articles",
            data=json.dumps(articles[i]),
            headers=HEADERS,
            name="POST /api/articles",
            catch_response=True,
        ) as response:
            # 202 is the answer for a new article; anything else is an error here.
            if response.status_code != 202:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
        if next(_accepted) >= len(articles):
            self.environment.runner.quit()  # every article answered: the burst is over
        raise StopUser()


# Every request's latency, kept here and written to LOAD_RESULTS when locust
# exits: locust's own CSV can lose requests counted before the burst's early
# quit, and run.py computes both phases' figures the same way.
_results: dict = {"times_ms": [], "failures": [], "start": None, "end": None}


@events.request.add_listener
def _record(response_time: float, exception: BaseException | None = None, **kwargs) -> None:
    now = time.time()
    if _results["start"] is None:
        _results["start"] = now - response_time / 1000
    _results["end"] = now
    _results["times_ms"].append(response_time)
    if exception is not None:
        _results["failures"].append(str(exception)[:300])


@events.quitting.add_listener
def _save(**kwargs) -> None:
    if os.environ.get("LOAD_RESULTS"):
        with open(os.environ["LOAD_RESULTS"], "w", encoding="utf-8") as file:
            json.dump(_results, file)
