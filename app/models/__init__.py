"""Every table, imported here so that `SQLModel.metadata` (and Alembic) sees them all.

The models import nothing of the app but each other: no service, no screen, no route.
"""

from app.models.api_key import ApiKey
from app.models.api_log import ApiRequestLog, IdempotencyRecord
from app.models.audit import AuditEvent, UserInvitation
from app.models.card import Card, LedgerEntry
from app.models.card_batch import CardBatch
from app.models.daily_summary import DailySummary
from app.models.location import ActivationLink, Device, Item, Location, PosKey
from app.models.operator import LoginAttempt, Operator, User, UserSession
from app.models.order import Order, OrderLine
from app.models.outbox import OutboxMessage
from app.models.payout import BankFile, PayoutBatch, PayoutLine, PayoutReturn
from app.models.payout_delivery import PayoutDelivery
from app.models.payout_run import PayoutRun
from app.models.pos_partner import PosLogEntry, PosPartnerAccount, PosRefund
from app.models.prenote import Prenote
from app.models.redemption import PosPayment, Redemption, RedemptionLine
from app.models.rollup import CardActivity, LedgerRollup, LedgerRollupState
from app.models.webhook import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "ActivationLink",
    "Device",
    "Item",
    "Location",
    "PosKey",
    "ApiKey",
    "AuditEvent",
    "ApiRequestLog",
    "BankFile",
    "Card",
    "CardActivity",
    "CardBatch",
    "DailySummary",
    "IdempotencyRecord",
    "LedgerEntry",
    "LedgerRollup",
    "LedgerRollupState",
    "LoginAttempt",
    "Operator",
    "Order",
    "OrderLine",
    "OutboxMessage",
    "PayoutBatch",
    "PayoutDelivery",
    "PayoutLine",
    "PayoutRun",
    "PayoutReturn",
    "PosLogEntry",
    "PosPartnerAccount",
    "PosPayment",
    "PosRefund",
    "Prenote",
    "Redemption",
    "RedemptionLine",
    "User",
    "UserInvitation",
    "UserSession",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
