"""What leaves the platform as a message: the email outbox (SMTP delivery, retries), signed
webhooks to the operator's endpoints, a location's notice of each redemption, and the HTML
frame every email shares.

Messages are queued inside the caller's transaction, so a movement and its messages exist
together. Imports core only.
"""
