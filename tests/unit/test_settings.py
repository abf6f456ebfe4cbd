"""Settings come from the environment through app/settings.py only: the services read
the typed settings object, never `os.environ` themselves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import background
from app.services.counter import pos_payments
from app.services.network import devices


def test_the_timings_and_the_job_placement_have_their_defaults(settings_env):
    settings = settings_env(ACTIVATION_LINK_TTL_HOURS=None, POS_PAYMENT_TTL_MINUTES=None, BACKGROUND_JOBS=None)

    assert (settings.activation_link_ttl_hours, settings.pos_payment_ttl_minutes, settings.background_jobs) == (
        72, 15, "workers")
    assert devices.activation_ttl() == timedelta(hours=72)
    assert pos_payments.payment_ttl() == timedelta(minutes=15)
    assert background.run_in_workers() is True


def test_the_services_read_the_timings_and_the_job_placement_through_the_settings(settings_env):
    settings = settings_env(ACTIVATION_LINK_TTL_HOURS="2.5", POS_PAYMENT_TTL_MINUTES="3", BACKGROUND_JOBS=" Off ")

    assert (settings.activation_link_ttl_hours, settings.pos_payment_ttl_minutes, settings.background_jobs) == (
        2.5, 3, "off")
    assert devices.activation_ttl() == timedelta(hours=2, minutes=30)
    assert pos_payments.payment_ttl() == timedelta(minutes=3)
    assert background.run_in_workers() is False


def test_an_unknown_place_for_the_background_jobs_stops_the_start(settings_env):
    settings_env(BACKGROUND_JOBS="sometimes")

    with pytest.raises(SystemExit, match="BACKGROUND_JOBS must be 'workers' or 'off'"):
        background.run_in_workers()
