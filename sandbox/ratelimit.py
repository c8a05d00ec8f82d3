"""Token buckets modelled on Telegram's flood limits (per chat and per bot)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    rate: float  # tokens added per second
    burst: int  # bucket size
    clock: Callable[[], float] = time.monotonic
    tokens: float = field(init=False)
    stamp: float = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = float(self.burst)
        self.stamp = self.clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_time(self) -> float:
        """Seconds until one token is available (0 if one is available now)."""
        self._refill()
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self._refill()
        self.tokens -= 1


class FloodControl:
    """A bucket per chat plus one overall; a send must find a token in both."""

    def __init__(
        self,
        per_chat_rate: float,
        per_chat_burst: int,
        global_rate: float,
        global_burst: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_chat = (per_chat_rate, per_chat_burst)
        self.clock = clock
        self.overall = TokenBucket(global_rate, global_burst, clock)
        self.chats: dict[int, TokenBucket] = {}

    def acquire(self, chat_id: int) -> int:
        """Take a token for chat_id; return 0 on success, else whole seconds to retry after."""
        bucket = self.chats.get(chat_id)
        if bucket is None:
            bucket = self.chats[chat_id] = TokenBucket(*self.per_chat, self.clock)
        wait = max(bucket.wait_time(), self.overall.wait_time())
        if wait > 0:
            return max(1, math.ceil(wait))
        bucket.take()
        self.overall.take()
        return 0
