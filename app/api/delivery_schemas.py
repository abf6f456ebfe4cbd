"""Bodies of the bank file delivery: `payouts.delivery` in `GET/PATCH /settings`, the body of
`POST /settings/payouts/delivery/test`, and a batch's `delivery` in `GET /payouts/{id}`.

The SFTP password and private key are write-only: answers show `********` where one is set.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from app.api.schemas import StrictRequest

SFTP_EXAMPLE = {
    "host": "sftp.bank.example",
    "port": 22,
    "username": "downtown-gifts",
    "password": None,
    "private_key": "********",
    "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0o3c5sVn9Kq5xH8u6k8u0b7lqBHnQ0nNqX9dJ3hJxO",
    "remote_dir": "/inbound/ach",
    "host_key_sha256": "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
    "missing": [],
}
DELIVERY_SETTINGS_EXAMPLE = {"method": "sftp", "sftp": SFTP_EXAMPLE}
DELIVERY_EXAMPLE = {"status": "delivered", "attempts": 1,
                    "remote_path": "/inbound/ach/downtown-gifts-payout-7-20261130180000.ach",
                    "delivered_at": "2026-11-30T18:00:04+00:00", "last_error": None, "next_attempt_at": None}


class SftpSettingsAnswer(BaseModel):
    host: str | None
    port: int
    username: str | None
    password: str | None = Field(description="`********` when set; never shown.")
    private_key: str | None = Field(description="`********` when set; never shown.")
    public_key: str | None = Field(description="The private key's public half (OpenSSH), for the bank's "
                                   "authorized keys.")
    remote_dir: str
    host_key_sha256: str | None = Field(description="The server's pinned host key, as `ssh-keygen -lf` prints it.")
    missing: list[str] = Field(description="Fields still needed before files can be sent.")


class DeliverySettingsAnswer(BaseModel):
    method: Literal["download", "sftp"]
    sftp: SftpSettingsAnswer | None


class SftpSettingsChange(StrictRequest):
    host: str | None = Field(default=None, max_length=255, description="The server's name or IP address.")
    port: int | None = Field(default=None, description="1 to 65535; 22 when not set.")
    username: str | None = Field(default=None, max_length=255)
    password: str | None = Field(default=None, max_length=200, description="Write-only.")
    private_key: str | None = Field(default=None, max_length=16000,
                                    description="Write-only: the key's PEM or OpenSSH text, without a passphrase.")
    remote_dir: str | None = Field(default=None, max_length=500, description="Where files go (default: the "
                                   "login's home directory).")
    host_key_sha256: str | None = Field(default=None, max_length=255,
                                        description="`SHA256:...` as `ssh-keygen -lf` prints it (the whole line "
                                        "may be sent).")


class DeliverySettingsChange(StrictRequest):
    method: Literal["download", "sftp"] | None = Field(default=None, description="How bank files reach the bank.")
    sftp: SftpSettingsChange | None = Field(default=None, description="SFTP fields to change; `null` clears them.")


class ConnectionTestRequest(StrictRequest):
    sftp: SftpSettingsChange | None = Field(default=None, description="Values to try over the saved ones "
                                            "(nothing is saved).")


class ConnectionTestAnswer(BaseModel):
    ok: Literal[True]


class PayoutDeliveryAnswer(BaseModel):
    status: Literal["none", "pending", "delivered", "failed"] = Field(
        description="`none`: never sent by SFTP (download the file); `pending`: waiting or being sent.")
    attempts: int
    remote_path: str | None
    delivered_at: str | None
    last_error: str | None = Field(description="The server's message of the last failed attempt.")
    next_attempt_at: str | None
