"""One chain's clip as a request at its generator, paid for once.

The request id reaches session.json before the first poll, and a submit is
noted there just before it goes out, so no state of a killed run can make
resume pay again without saying so. A cancel drops the request at the service
only when the service confirms it (a finished clip is paid: its id stays for
resume to collect). A submit whose answer was lost is recorded, never retried
by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

from scenemaker_desktop.engine.backends.base import ClipJob, ClipResult, Generator, ProgressCallback
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.errors import Cancelled, GenerationError, SubmissionLostError
from scenemaker_desktop.engine.sessions.charges import record_charge, record_lost_submission
from scenemaker_desktop.engine.sessions.model import Chain, ChainStatus, Session, now_iso
from scenemaker_desktop.engine.sessions.store import SessionStore


class ClipRequests:
    """The requests of one session's run (lives inside the runner's run)."""

    def __init__(
        self,
        session: Session,
        store: SessionStore,
        generator: Generator,
        cancel: CancelToken,
        notice: Callable[[str], None],
        clip_usd: float,
    ) -> None:
        self.session, self.store, self.generator = session, store, generator
        self.cancel, self.notice, self.clip_usd = cancel, notice, clip_usd
        self._cancel_sent: set[str] = set()

    def make(self, chain: Chain, job: ClipJob, report: ProgressCallback) -> ClipResult:
        """The chain's clip: its saved request polled again, or a new one submitted."""
        if chain.submitting_since is not None:  # a killed run sent it and lost the answer
            self._submission_lost(chain, "the run stopped while it was sent", cancelled=False)
        request_id = chain.fal_request_id if self.generator.remote else None
        if request_id is None:
            request_id = self._submit(chain, job)
        try:
            return self.generator.wait(request_id, job, report, self.cancel)
        except Cancelled:
            if not self.cancel.interrupted:
                self._cancel(chain, request_id)
            raise
        except GenerationError as exc:
            if not exc.retryable:
                self._abandon(chain, request_id)
            raise

    def cancel_saved(self) -> None:
        """A cancel that came before a saved cloud request was polled again (a resumed
        session cancelled early) still reaches the service: nothing is left running."""
        if not self.generator.remote:
            return
        for chain in self.session.chains:
            request_id = chain.fal_request_id
            if chain.status is ChainStatus.RUNNING and request_id not in (None, *self._cancel_sent):
                self._cancel(chain, request_id)

    def _submit(self, chain: Chain, job: ClipJob) -> str:
        remote = self.generator.remote

        def sending() -> None:  # from here on fal may take (and bill) the job: note it first
            if remote:
                chain.submitting_since = now_iso()
                self.store.save(self.session)

        try:
            request_id = self.generator.submit(job, self.cancel, sending)
        except SubmissionLostError as exc:
            self._submission_lost(chain, str(exc), cancelled=exc.cancelled)
        if remote:
            chain.fal_request_id, chain.submitting_since = request_id, None
        record_charge(self.session, chain, self.clip_usd, request_id if remote else None)
        self.store.save(self.session)  # the id is on disk before the first poll
        return request_id

    def _submission_lost(self, chain: Chain, why: str, *, cancelled: bool) -> NoReturn:
        """Record a submit whose answer never came (notes and cost log), and stop: it is
        never sent again without the user asking (resume)."""
        note = record_lost_submission(self.session, chain, self.clip_usd, why)
        self.notice(note)
        self.store.save(self.session)
        if cancelled:
            raise Cancelled()
        raise GenerationError(f"{note}; resume to submit it again", retryable=False)

    def _cancel(self, chain: Chain, request_id: str) -> None:
        self._cancel_sent.add(request_id)
        if self.generator.cancel(request_id):
            self._abandon(chain, request_id)

    def _abandon(self, chain: Chain, request_id: str) -> None:
        if chain.fal_request_id == request_id:
            chain.abandoned_request_ids.append(request_id)
            chain.fal_request_id = None
