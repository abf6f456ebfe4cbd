"""The Settlements screen's upload of a bank's return file: the file goes to
`services/settlement/payout_returns.receive_returns` (which decides everything), the
screen shows what it matched, and the Settlements figures are read again."""

from __future__ import annotations

import asyncio

import reflex as rx

from app.services.core.errors import GiftnetError
from app.services.settlement import payout_returns
from app.state.settlements import SettlementsState

RETURNS_UPLOAD_ID = "returns-upload"


class PayoutReturnsState(SettlementsState):
    returns_error: str = ""
    returns_notice: str = ""
    returns_file: str = ""
    returned_rows: list[dict[str, str]] = []

    @rx.event
    async def upload_returns(self, files: list[rx.UploadFile]):
        who = self._signed_in_owner()
        if who is None:
            return self._not_an_owner()
        self.returns_error, self.returns_notice, self.returned_rows = "", "", []
        if not files:
            self.returns_error = self._t("Choose the return file the bank sent.")
            return rx.clear_selected_files(RETURNS_UPLOAD_ID)
        upload = files[0]
        self.returns_file = upload.name or "returns"
        content = await upload.read(payout_returns.MAX_RETURN_FILE_BYTES + 1)
        try:
            result = await asyncio.to_thread(payout_returns.receive_returns, self._actor(who), content,
                                             self.returns_file)
        except GiftnetError as refusal:
            self.returns_error = refusal.localized_message(self.lang)
            return rx.clear_selected_files(RETURNS_UPLOAD_ID)
        self.returned_rows = [{
            "key": f"{match.payout_id}-{match.location_id}",
            "payout_id": str(match.payout_id),
            "name": match.location_name,
            "net": self._money(match.net_cents, who.currency),
            "reason": f"{match.reason_code} {match.reason}",
            "action": (self._t("Correct the bank details, then it is paid again") if match.account_data
                       else self._t("Paid again in the next batch")),
            "state": self._t("Already recorded") if match.already_recorded else self._t("Returned now"),
        } for match in result.matched]
        fresh = len(result.newly_returned)
        self.returns_notice = self._t("{file}: {matched} returned payment(s) matched, {fresh} newly recorded; their "
                                      "money is owed to the locations again.", file=self.returns_file,
                                      matched=len(result.matched), fresh=fresh)
        self._preview(who)
        self._load_batches(who)
        if self.selected_id:
            self._load_detail(who)
        return rx.clear_selected_files(RETURNS_UPLOAD_ID)
