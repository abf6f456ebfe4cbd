"""The Settings screen's "Delivery to the bank" part: download by hand or send by SFTP,
the server's settings, and "Test connection". Saved through `payout_settings.update_settings`
(`payouts.delivery`, the rules of `PATCH /settings`); tested through
`delivery_settings.check_connection`. The password and private key are never loaded back:
their boxes stay blank (blank keeps what is stored)."""

from __future__ import annotations

import reflex as rx

from app.services.access.accounts import SignedIn
from app.services.core.errors import GiftnetError
from app.services.core.i18n import N_
from app.services.settlement import delivery_settings, payout_settings
from app.state.session import SessionState, dashboard_action

# (form key = the API's field, label, hint)
SFTP_FORM = [
    ("host", N_("Server"), N_("its name or IP address, like sftp.bank.example")),
    ("port", N_("Port"), N_("22 unless your bank says otherwise")),
    ("username", N_("Username"), ""),
    ("password", N_("Password"), N_("leave blank to keep the one saved")),
    ("private_key", N_("Private key"), N_("PEM or OpenSSH text, without a passphrase; leave blank to keep the one saved")),
    ("remote_dir", N_("Remote directory"), N_("where the files go; blank: the login's home directory")),
    ("host_key_sha256", N_("Server's host key fingerprint"), N_("SHA256:… as ssh-keygen -lf prints it; ask your bank")),
]
SFTP_KEYS = frozenset(key for key, _label, _hint in SFTP_FORM)
SECRET_FIELDS = delivery_settings.SECRETS


def delivery_dom_id(key: str) -> str:
    """`host_key_sha256` -> `settings-delivery-host-key-sha256`."""
    return "settings-delivery-" + key.replace("_", "-")


class DeliverySettingsState(SessionState):
    delivery_method: str = "download"
    sftp_values: dict[str, str] = {}
    sftp_placeholders: dict[str, str] = {}
    public_key: str = ""  # the saved private key's public half, for the bank
    delivery_field_errors: dict[str, str] = {}
    delivery_error: str = ""
    delivery_saved: str = ""
    connection_result: str = ""
    connection_ok: bool = False

    def _clear_messages(self) -> None:
        self.delivery_field_errors, self.delivery_error, self.delivery_saved = {}, "", ""
        self.connection_result, self.connection_ok = "", False

    def _show(self, shown: dict) -> None:
        sftp = shown.get("sftp") or {}
        self.delivery_method = shown.get("method") or "download"
        self.sftp_values = {key: "" if key in SECRET_FIELDS or sftp.get(key) is None else str(sftp.get(key))
                            for key, _label, _hint in SFTP_FORM}
        self.sftp_placeholders = {key: (self._t("saved: blank keeps it") if sftp.get(key) else self._t("not set"))
                                  for key in SECRET_FIELDS}
        self.public_key = sftp.get("public_key") or ""

    @rx.event
    @dashboard_action("delivery_error", owner=True)
    def load(self, who: SignedIn):
        self._show(payout_settings.get_settings(who.operator_id).delivery)
        return None

    @rx.event
    def set_method(self, value: str):
        self.delivery_method = value

    @rx.event
    def set_sftp_value(self, key: str, value: str):
        self.sftp_values = {**self.sftp_values, key: value}
        if key in self.delivery_field_errors:
            self.delivery_field_errors = {k: v for k, v in self.delivery_field_errors.items() if k != key}

    def _sftp_changes(self) -> dict:
        """The form as a `payouts.delivery.sftp` change: a blank secret keeps the saved one."""
        changes: dict[str, object] = {}
        for key, _label, _hint in SFTP_FORM:
            value = (self.sftp_values.get(key) or "").strip() if key != "private_key" \
                else (self.sftp_values.get(key) or "")
            if key in SECRET_FIELDS and not value.strip():
                continue
            changes[key] = value or None
        return changes

    def _refused(self, error: GiftnetError, doing: str) -> None:
        key = (error.field or "").removeprefix("payouts.delivery.sftp.").removeprefix("payouts.delivery.")
        if key in SFTP_KEYS:
            self.delivery_field_errors = {key: error.localized_message(self.lang)}
        self.delivery_error = f"{error.localized_message(self.lang)} {doing}".strip()

    @rx.event
    @dashboard_action("delivery_error", owner=True)
    def save(self, who: SignedIn):
        change = {"method": self.delivery_method, "sftp": self._sftp_changes()}
        try:
            settings = payout_settings.update_settings(self._actor(who), {"payouts": {"delivery": change}})
        except GiftnetError as error:
            self._refused(error, self._t("Nothing was saved."))
            return None
        self._show(settings.delivery)
        self.delivery_saved = (self._t("Saved: bank files are sent to the bank's SFTP server as they are written.")
                               if self.delivery_method == "sftp" else self._t("Saved: bank files are downloaded by hand."))
        return None

    @rx.event
    @dashboard_action("delivery_error", owner=True)
    def test_connection(self, who: SignedIn):
        try:
            delivery_settings.check_connection(self._actor(who), self._sftp_changes())
        except GiftnetError as error:
            if error.field:
                self._refused(error, "")
                self.delivery_error = ""
            self.connection_ok, self.connection_result = False, error.localized_message(self.lang)
            return None
        self.connection_ok = True
        self.connection_result = (self._t("Connected: the host key matches, the login was accepted and the remote "
                                  "directory can be read. Nothing was uploaded."))
        return None
