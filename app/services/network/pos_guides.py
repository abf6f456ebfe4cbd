"""How a location connects its POS, partner by partner, in plain steps: one text for the
public POS partners page (/pos-partners) and for each location's setup guide, where the
addresses to paste are the location's own.

Each guide says what the partner needs (`needs`), then the steps: what to create in the
POS, the URL to paste (`copy`), and where the secret comes from. The receivers are the
API's (`/api/v1/pos/...`): Square's `square/{id}`, Clover's `clover/{id}`, Shopify's
`shopify/{id}`, and `payments` for any POS with a POS key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.services.core.i18n import N_, translator

API_PREFIX = "/api/v1"
TEST_STEP = N_("Press “Send a test payment” in the location's POS setup guide: a TEST payment shows on its open counter "
             "screens for a minute. Then take a real one.")


@dataclass(frozen=True)
class GuideStep:
    text: str
    copy: str = ""  # a URL (or value) to paste into the POS; empty when the step has none


@dataclass(frozen=True)
class PartnerGuide:
    key: str  # square | clover | shopify | api
    name: str
    summary: str
    needs: list[str] = field(default_factory=list)
    steps: list[GuideStep] = field(default_factory=list)


def receiver_url(base_url: str, partner: str, location_id: int | str) -> str:
    """Where the partner sends a location's payments (`api`: the POS key's push address)."""
    if partner == "api":
        return f"{base_url}{API_PREFIX}/pos/payments"
    return f"{base_url}{API_PREFIX}/pos/{partner}/{location_id}"


def partner_guides(base_url: str, location_id: int | str = "<location id>",
                   tender_name: str = "Gift card (network)", lang: str | None = None) -> list[PartnerGuide]:
    """Every partner's guide (written in `lang`). `location_id` is the location's id (the public
    page shows a placeholder); `tender_name` is what to call the gift-card tender in the POS."""
    _ = translator(lang)
    square_url = receiver_url(base_url, "square", location_id)
    clover_url = receiver_url(base_url, "clover", location_id)
    shopify_url = receiver_url(base_url, "shopify", location_id)
    api_url = receiver_url(base_url, "api", location_id)
    return [
        PartnerGuide(
            key="square",
            name="Square",
            summary=_("Take the gift card on Square with the “Other gift card” tender; the payment, tip included, "
                    "appears on the counter."),
            needs=[_("A Square account and access to its Developer Console (an application of your own)"),
                   _("The “Other gift card” tender turned on in Square Point of Sale")],
            steps=[
                GuideStep(_("In Square Point of Sale: Settings → Checkout → Payment types, turn on “Other gift card”. "
                          "Take every network gift card with it.")),
                GuideStep(_("In Square's Developer Console, open your application → Webhooks → Subscriptions → "
                          "Add subscription. Paste this notification URL:"), square_url),
                GuideStep(_("Choose the events payment.created, payment.updated, refund.created and refund.updated, "
                          "then save.")),
                GuideStep(_("The secret: Square shows the subscription's Signature key. Copy it into the location's "
                          "Square settings (Signature key), with the notification URL exactly as Square shows it.")),
                GuideStep(_(TEST_STEP)),
            ],
        ),
        PartnerGuide(
            key="clover",
            name="Clover",
            summary=_("Add a custom tender for the network's gift card; Clover's payment notifications bring each "
                    "payment with that tender to the counter."),
            needs=[_("A Clover merchant account and a Clover developer app with webhooks"),
                   _("A merchant API token that can read payments"),
                   _("A custom tender in Clover named for the network's gift card")],
            steps=[
                GuideStep(_("In Clover: Setup → Tenders → Add custom tender, named “{tender}”. Take every "
                            "network gift card with it.", tender=tender_name)),
                GuideStep(_("In Clover's developer dashboard, open your app → App settings → Webhooks. Paste this "
                          "webhook URL and subscribe to Payments:"), clover_url),
                GuideStep(_("Clover sends a verification code to that URL once: it appears in the location's Clover "
                          "settings here. Paste it back into Clover's “Verify” box.")),
                GuideStep(_("The secrets: Clover shows the webhook's Clover Auth Code (its X-Clover-Auth header); "
                          "create a merchant API token (Account & Setup → API Tokens, with Payments read). Paste "
                          "both, the merchant id and the tender's name into the location's Clover settings.")),
                GuideStep(_(TEST_STEP)),
            ],
        ),
        PartnerGuide(
            key="shopify",
            name="Shopify POS",
            summary=_("Add a custom payment method named for the network; POS orders paid with it come to the "
                    "counter in the order's currency."),
            needs=[_("A Shopify store with Shopify POS"), _("A manual (custom) payment method named for the network")],
            steps=[
                GuideStep(_("In Shopify admin: Settings → Payments → Manual payment methods → Create custom payment "
                            "method, named “{tender}”; in the POS app, add it under Settings → Payment types.",
                            tender=tender_name)),
                GuideStep(_("In Shopify admin: Settings → Notifications → Webhooks → Create webhook, event “Order "
                          "creation”, format JSON. Paste this URL:"), shopify_url),
                GuideStep(_("The secret: under the webhooks list Shopify shows “Your webhooks will be signed with …”. "
                          "Copy that key, the shop's domain (name.myshopify.com) and the payment method's name into "
                          "the location's Shopify settings.")),
                GuideStep(_(TEST_STEP)),
            ],
        ),
        PartnerGuide(
            key="api",
            name=_("Any POS through the API"),
            summary=_("Any POS (or its developer) that can send one HTTPS request when it takes the gift card."),
            needs=[_("A POS key for the location (gkpos_…), made in the location's POS keys"),
                   _("A POS that can send an HTTPS POST with a header")],
            steps=[
                GuideStep(_("Create a POS key in the location's POS keys (owners): it is shown once, so put it in "
                          "the POS at once. Creating it turns the location's POS payments on.")),
                GuideStep(_("When the POS takes a gift card payment, it sends POST to this URL with the header "
                          "Authorization: Bearer gkpos_…, an Idempotency-Key header, and JSON "
                          "{\"amount_cents\": 2350, \"reference\": \"Order 1001\"}:"), api_url),
                GuideStep(_("The payment appears on the counter; the merchant opens the card and taps SELECT. "
                          "GET /api/v1/pos/payments/{id} tells the POS whether it was applied.")),
                GuideStep(_(TEST_STEP)),
            ],
        ),
    ]
