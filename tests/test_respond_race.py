"""The race: 100 links, each submitted by 20 parallel requests to a real server, make
exactly 100 responses — on a SQLite file and on PostgreSQL."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from cxm.store import Store
from cxm.surveys.models import Answer, Invitation, InvitationStatus, Response
from tests.survey_factories import ONE_PAGE, ServedProcess, wave_with_links

TOKENS = 100
COPIES = 20


@pytest.mark.slow
def test_parallel_submits_of_each_link_make_exactly_one_response(
    store: Store, database_url: str
) -> None:
    _wave, tokens = wave_with_links(store, customers=TOKENS, definition=ONE_PAGE)
    jobs = [(token, copy) for token in tokens for copy in range(COPIES)]
    with (
        ServedProcess(database_url) as live,
        httpx.Client(
            base_url=live.url,
            timeout=60,
            limits=httpx.Limits(max_connections=40, max_keepalive_connections=40),
        ) as client,
    ):

        def submit(job: tuple[str, int]) -> int:
            token, copy = job
            r = client.post(
                f"/r/{token}",
                data={"page": "0", "q_SAT": str(1 + copy % 5), "q_NPS": str(copy % 11)},
                headers={"accept": "text/html"},
                follow_redirects=False,
            )
            return r.status_code

        with ThreadPoolExecutor(max_workers=40) as pool:
            statuses = Counter(pool.map(submit, jobs))
    assert statuses == {200: TOKENS * COPIES}, statuses
    with store.session() as s:
        responses = s.scalar(select(func.count(Response.id)))
        completed = s.scalar(
            select(func.count(Response.id)).where(Response.completed_at.is_not(None))
        )
        answers = s.scalar(select(func.count(Answer.id)))
        done = s.scalar(
            select(func.count(Invitation.id)).where(Invitation.status == InvitationStatus.COMPLETED)
        )
    assert responses == completed == done == TOKENS
    assert answers == 2 * TOKENS
