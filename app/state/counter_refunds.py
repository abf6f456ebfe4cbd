"""The counter's refunds to give back: a POS refunded (or cancelled) a gift-card payment
already applied to a card, and the location's screens show it (`PosInbox.refunds`, kept
live by app/state/live.py) with one button that gives the money back to the card.

The rule lives in `counter/pos_refunds.apply_refund`: one tap credits the card once; a
second tap, or another screen tapping at the same time, moves nothing and is answered with
the same credit. The confirmation shows the card's balance right after the credit, as the
ledger row holds it.
"""

from __future__ import annotations

import reflex as rx

from app.services.core.errors import GiftnetError
from app.services.counter import pos_refunds
from app.services.money.cards import get_card
from app.state.live import PosInbox
from app.state.redeem import Receipt, RedeemState


class CounterRefundState(RedeemState):
    """The give-back tap and its confirmation (the device and its card are the parent's)."""

    giving_id: int = 0  # the refund being given back now (its button spins, the others wait)
    has_given: bool = False
    given_again: bool = False  # it had been given back already (another tap, another screen)
    given_amount: str = ""
    given_card: str = ""  # "•••• 1234"
    given_balance: str = ""  # the card's balance right after the credit
    given_source: str = ""
    given_reference: str = ""

    @rx.event
    async def give_back(self, refund_id: int):
        self.error = self.notice = ""
        context = self._device()
        if context is None or self.giving_id:
            return
        inbox = await self.get_state(PosInbox)
        shown = await inbox._owed_refund(refund_id)  # noqa: SLF001 - backend-only (underscored: kept from the browser)
        self.giving_id = refund_id
        yield
        try:
            result = pos_refunds.apply_refund(self._actor(context), refund_id)
        except GiftnetError as error:
            self.error = error.localized_message(self.lang)
            return
        finally:
            self.giving_id = 0
        await inbox._hide_refund(refund_id)  # noqa: SLF001 - the live refresh agrees shortly
        card_id = result.entry.card_id if result.entry else 0
        last4 = shown.card if shown else (f"•••• {get_card(context.operator_id, card_id).last4}" if card_id else "")
        self.has_given, self.given_again = True, not result.created
        self.given_amount, self.given_card = self._money(result.refund.amount_cents), last4
        self.given_balance = self._money(result.balance_after_cents)
        self.given_source = result.refund.source.capitalize()
        self.given_reference = shown.reference if shown else ""
        if card_id and self.card_id == card_id:
            self._show_card(card_id, context)  # the open card shows its new balance
            if self.has_receipt:  # and its receipt on screen the balance after this credit
                self.receipt = Receipt(**{**self.receipt.__dict__, "balance_after": self.given_balance,
                                          "lines": [*(self.receipt.lines or []),
                                                    self._t("Refund given back: {amount}",
                                                            amount=self.given_amount)]})

    @rx.event
    def done_giving(self):
        self.has_given, self.given_again = False, False
