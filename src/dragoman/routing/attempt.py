"""One request sent to one member of a pool, and how it ended: the outcome feeds the member's cooldowns
(shared) and its load and latency figures (this process). Made by ``Plan.next()`` in ``routing.router``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dragoman.canonical.errors import GatewayError, UpstreamError, UpstreamTimeout
from dragoman.config import DeploymentConfig
from dragoman.routing.pools import Member
from dragoman.routing.retry import forced_cooldown, is_member_failure

if TYPE_CHECKING:
    from dragoman.routing.router import Router


class Attempt:
    """One request sent to one member. End it exactly once (later calls are ignored): ``succeeded``,
    ``failed`` (also for an error after the first byte: it counts against the member but is not retried),
    ``cancelled`` (the client went away), or ``release`` (ended for a reason that says nothing about the
    member; safe in a ``finally``)."""

    __slots__ = ("_charge", "_clean", "_ended_at", "_first_byte_at", "_router", "deployment", "estimated_tokens",
                 "member", "number", "stage", "started_at")

    def __init__(self, router: Router, member: Member, deployment: DeploymentConfig, number: int,
                 estimated_tokens: int, *, clean: bool, stage: int = 0) -> None:
        self._router = router
        self.member = member
        self.deployment = deployment  # for this request: ``id`` set; a wildcard route's ``model`` filled in
        self.number = number  # 1 for the first attempt of the plan
        self.stage = stage  # 0: the model's own pool; 1…: its fallbacks, in order
        self.estimated_tokens = estimated_tokens
        self.started_at = router.clock()
        self._clean = clean  # the member had no failures on record when chosen
        self._first_byte_at: float | None = None
        self._ended_at: float | None = None
        self._charge = member.stats.started(self.started_at, estimated_tokens)

    @property
    def member_id(self) -> str:
        """For ``x-dragoman-deployment``."""
        return self.member.id

    @property
    def ended(self) -> bool:
        return self._ended_at is not None

    def upstream_seconds(self, now: float) -> float:
        until = self._first_byte_at or self._ended_at or now
        return until - self.started_at

    def first_byte(self) -> None:
        """The answer's first byte (a stream's first event) arrived: records the member's latency."""
        if self._first_byte_at is None and self._ended_at is None:
            self._first_byte_at = self._router.clock()
            self.member.stats.observe_first_byte(self._first_byte_at - self.started_at)

    async def succeeded(self, tokens: int | None = None) -> None:
        """``tokens``: what the request really used (corrects the estimate against the member's tpm)."""
        if not self._end(tokens):
            return
        assert self._ended_at is not None
        self.member.stats.observe_duration(self._ended_at - self.started_at)
        if not self._clean:
            await self._router.health.record_success(self.member_id)

    async def failed(self, error: GatewayError, tokens: int | None = None) -> None:
        if not self._end(tokens):
            return
        health = self._router.health
        if is_member_failure(error):
            if self._first_byte_at is None and isinstance(error, UpstreamTimeout):
                assert self._ended_at is not None
                self.member.stats.observe_first_byte(self._ended_at - self.started_at)
            cooldown = forced_cooldown(error, self._router.cooldown_seconds)
            await health.record_failure(self.member_id, self._redacted(error.message), cooldown=cooldown)
        elif isinstance(error, UpstreamError):
            if not self._clean:  # it answered properly; the request was at fault
                await health.record_success(self.member_id)
        elif not self._clean:
            await health.release_probe(self.member_id)

    async def cancelled(self, tokens: int | None = None) -> None:
        """The client went away; ``tokens``: what the upstream had produced by then."""
        if self._end(tokens) and not self._clean:
            await self._router.health.release_probe(self.member_id)

    async def release(self) -> None:
        await self.cancelled()

    def _end(self, tokens: int | None) -> bool:
        if self._ended_at is not None:
            return False
        self._ended_at = self._router.clock()
        self.member.stats.ended(self._ended_at, self._charge, tokens)
        return True

    def _redacted(self, message: str) -> str:
        key = self.deployment.api_key
        return message.replace(key, "***") if key else message
