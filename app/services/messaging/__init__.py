"""What leaves the platform as a message: the email outbox (SMTP delivery, retries), signed
webhooks to the operator's endpoints, a location's notice of each redemption, and the HTML
frame every email shares. (A card's own email is money.card_emails.)

Messages are queued inside the caller's transaction, so a movement and its messages exist
together.

Imports from services: core.
"""
