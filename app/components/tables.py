"""The dashboard's lists: a table of rows or, when there are none, what the screen says
instead; and the Previous / Next buttons of a paged list (app/state/paging.py).

One `data_table` instead of the header, body and empty state built by hand on each screen.
The caller passes the ids (tests and docs/testing.md name them).
"""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from app.components.i18n import t
from app.state.paging import KeysetPaging


def _is_text(column: object) -> bool:
    """A translated title (`t("Card")`, a Var) rather than a header cell built by the caller."""
    return isinstance(column, rx.Var)


def data_table(
    columns: list[str | rx.Component],
    rows: rx.Var,
    row: Callable[[rx.Var], rx.Component],
    *,
    empty: rx.Component | None = None,
    table_id: str | None = None,
    size: str = "2",
    variant: str | None = None,
    scroll: bool = False,
) -> rx.Component:
    """`rows` as a table (one `row(item)` each, under a header cell per column: a title, or a
    cell built by the caller), or `empty` when there is none (without `empty`: the table always).

    `scroll` lets a wide table scroll sideways inside its card instead of widening the page.
    """
    table = rx.table.root(
        rx.table.header(
            rx.table.row(*[rx.table.column_header_cell(column) if isinstance(column, str) or _is_text(column) else column
                           for column in columns])
        ),
        rx.table.body(rx.foreach(rows, row)),
        id=table_id,
        width="100%",
        size=size,
        variant=variant,
    )
    if scroll:
        table = rx.box(table, overflow_x="auto", width="100%")
    return table if empty is None else rx.cond(rows.length() > 0, table, empty)


def table_row(prefix: str, row_id: rx.Var, *cells: rx.Component, align: str | None = "center",
              class_name: str | None = None) -> rx.Component:
    """One row of a data_table: id `<prefix>-<row id>` and class `prefix`, or `class_name` where the
    screen names its rows otherwise (tests find rows by both)."""
    return rx.table.row(*cells, id=prefix + "-" + row_id.to_string(), class_name=class_name or prefix, align=align)


def empty_note(text: str | rx.Var, element_id: str | None = None) -> rx.Component:
    """The quiet line a card shows where its table has no rows yet."""
    return rx.text(text, size="2", color=rx.color("gray", 11), id=element_id)


def pager(state: type[KeysetPaging], prefix: str, *tools: rx.Component, labels: tuple[str | rx.Var, str | rx.Var] | None = None,
          only_when_paged: bool = False) -> rx.Component:
    """Previous / Next of a state with the KeysetPaging mixin (`<prefix>-prev`, `<prefix>-next`),
    at the right; `tools` (Refresh, Export) stand at the left of the same bar.

    `only_when_paged` hides the bar while everything fits on one page (a list inside a card).
    """
    labels = labels or (t("Previous"), t("Next"))
    previous = rx.button(labels[0], id=f"{prefix}-prev", size="3", variant="soft",
                         disabled=state.cursor_stack.length() == 0, on_click=state.previous_page)
    following = rx.button(labels[1], id=f"{prefix}-next", size="3", variant="soft", disabled=state.next_cursor == 0,
                          on_click=state.next_page)
    if tools:
        buttons = rx.hstack(*tools, rx.spacer(), previous, following, width="100%")
    else:
        buttons = rx.hstack(previous, following, justify="end", width="100%")
    if only_when_paged:
        return rx.cond((state.cursor_stack.length() > 0) | (state.next_cursor != 0), buttons)
    return buttons
