"""How the dispatcher is put together: the update's transaction comes before the FSM's read,
and no filter is sent to a thread."""

from __future__ import annotations

from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.fsm.storage.memory import MemoryStorage

from bot.middlewares import DbSessionMiddleware
from bot.setup import build_dispatcher


def _dispatcher():  # type: ignore[no-untyped-def]
    return build_dispatcher(None, storage=MemoryStorage(), default_language="zh")  # type: ignore[arg-type]


def test_the_updates_transaction_opens_before_the_fsm_reads_the_state() -> None:
    kinds = [type(m) for m in _dispatcher().update.outer_middleware]
    assert kinds.index(DbSessionMiddleware) < kinds.index(FSMContextMiddleware)


def test_every_filter_runs_on_the_event_loop() -> None:
    dp = _dispatcher()
    filters = [
        f
        for router in dp.chain_tail
        for observer in router.observers.values()
        for handler in (observer._handler, *observer.handlers)
        for f in handler.filters or ()
    ]
    assert len(filters) > 100 and all(f.awaitable for f in filters)
