"""Each worker sets what start-up built aside from the garbage collector (app.app)."""

from __future__ import annotations

import gc


def test_the_start_up_heap_is_frozen_once_every_other_lifespan_task_has_started():
    from app.app import app, freeze_start_up_heap

    assert app.get_lifespan_tasks()[-1] is freeze_start_up_heap
    gc.unfreeze()
    try:
        freeze_start_up_heap()
        # The pages, states and models: a full collection no longer walks them.
        assert gc.get_freeze_count() > 100_000
        gc.collect()
        assert gc.get_freeze_count() > 100_000
    finally:
        gc.unfreeze()
