"""Workflows shared by the API, the web desk, the management commands and the
Celery tasks, one module per concern. Each takes keyword arguments and is
transactional where it writes; callers use them through this package
(`services.article_ingest(...)`).

- articles: an article's way through the pipeline (ingest, extract, embed, match)
- matching: a claim text against the reference corpus, with number checks
- references: the corpus (upserts, edits by hand, embedding); imports: upload jobs
- review: verdicts, assignment, match decisions; queue: what waits for review
- webhooks: signed events to subscribers; enqueue: the one way work reaches Celery
- sources, feeds, appearances: watched feeds and sitemaps, and where each article was seen
- dashboard, search: the editors' figures and the desk's search
- checkworthiness: a claim's score from its text and embedding, set at the embedding stage
- fetch, importers, claimreview: fetching pages, reading reference files, writing ClaimReview
"""

from claims.services.appearances import appearance_record
from claims.services.articles import (
    ARTICLE_FORMATS,
    article_embed,
    article_enqueue,
    article_extract,
    article_ingest,
    article_match,
    article_retry,
    article_submit,
    articles_sweep,
)
from claims.services.checkworthiness import claims_rescore
from claims.services.errors import Conflict, InvalidInput, NotAllowed
from claims.services.groups import (
    claim_group,
    claims_group,
    group_refresh,
    group_split,
    group_verdict,
    groups_merge,
    groups_prune,
)
from claims.services.imports import IMPORT_REJECTED_KEPT, import_job_create, import_job_fail, import_job_run
from claims.services.matching import (
    MatchResult,
    claim_match,
    claims_match_batch,
    match_tier,
    match_tier_of,
    numbers_compare,
    reference_candidates,
    reference_search,
    slots_of,
    tier_thresholds,
)
from claims.services.queue import ANY_STATUS, QUEUE_ORDER, claim_neighbours, claim_queue, status_counts
from claims.services.references import (
    REFERENCE_FIELDS,
    ImportReport,
    date_parse,
    reference_create,
    reference_delete,
    reference_from_verdict,
    reference_row_clean,
    reference_save,
    reference_update,
    references_embed,
    references_embed_in_turn,
    references_embed_multilingual,
    references_import,
)
from claims.services.review import (
    claim_assign,
    match_decide,
    verdict_publish,
    verdict_record,
    verdict_update,
    verdict_withdraw,
)
from claims.services.sources import entry_fetch, source_poll, sources_tick
from claims.services.webhooks import (
    DeliveryFailed,
    article_event,
    verdict_event,
    webhook_body,
    webhook_deliver,
    webhook_signature,
    webhook_subscribe,
    webhook_unsubscribe,
    webhooks_notify,
)

__all__ = [
    "ANY_STATUS",
    "ARTICLE_FORMATS",
    "IMPORT_REJECTED_KEPT",
    "QUEUE_ORDER",
    "REFERENCE_FIELDS",
    "Conflict",
    "DeliveryFailed",
    "ImportReport",
    "InvalidInput",
    "MatchResult",
    "NotAllowed",
    "appearance_record",
    "article_embed",
    "article_enqueue",
    "article_event",
    "article_extract",
    "article_ingest",
    "article_match",
    "article_retry",
    "article_submit",
    "articles_sweep",
    "claim_assign",
    "claim_group",
    "claim_match",
    "claim_neighbours",
    "claim_queue",
    "claims_group",
    "claims_match_batch",
    "claims_rescore",
    "date_parse",
    "entry_fetch",
    "group_refresh",
    "group_split",
    "group_verdict",
    "groups_merge",
    "groups_prune",
    "import_job_create",
    "import_job_fail",
    "import_job_run",
    "match_decide",
    "match_tier",
    "match_tier_of",
    "numbers_compare",
    "reference_candidates",
    "reference_create",
    "reference_delete",
    "reference_from_verdict",
    "reference_row_clean",
    "reference_save",
    "reference_search",
    "reference_update",
    "references_embed",
    "references_embed_in_turn",
    "references_embed_multilingual",
    "references_import",
    "slots_of",
    "source_poll",
    "sources_tick",
    "status_counts",
    "tier_thresholds",
    "verdict_event",
    "verdict_publish",
    "verdict_record",
    "verdict_update",
    "verdict_withdraw",
    "webhook_body",
    "webhook_deliver",
    "webhook_signature",
    "webhook_subscribe",
    "webhook_unsubscribe",
    "webhooks_notify",
]
