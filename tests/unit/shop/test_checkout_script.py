"""Which card script the shop's pay step loads: none in the sandbox, Bambora's Custom
Checkout, Forte.js live or sandbox by Forte's test flag; each from its setting."""

from __future__ import annotations

import json

from app.db import write_session
from app.models import Operator
from app.services.shop.checkout_script import checkout_script_for, checkout_script_for_shop, origin_of


def use_gateway(operator_id: int, gateway: str, **fields: str) -> None:
    """The operator's stored gateway choice, written as the settings screen stores it."""
    with write_session() as session:
        operator = session.get(Operator, operator_id)
        operator.gateway_settings = json.dumps({"gateway": gateway, gateway: fields})
        session.add(operator)


def test_the_sandbox_loads_no_script(make_operator):
    owner = make_operator()
    script = checkout_script_for(owner.operator.id)
    assert (script.gateway, script.url, script.script_origins, script.frame_origins) == ("sandbox", None, (), ())


def test_bambora_loads_the_official_custom_checkout_and_frames_its_inputs_from_there(make_operator, settings_env):
    settings_env(BAMBORA_CHECKOUT_JS_URL=None)
    owner = make_operator()
    use_gateway(owner.operator.id, "bambora", merchant_id="300200578")
    script = checkout_script_for(owner.operator.id)
    assert script.url == "https://libs.na.bambora.com/customcheckout/1/customcheckout.js"
    assert script.script_origins == ("https://libs.na.bambora.com",)
    assert script.frame_origins == ("https://libs.na.bambora.com",)


def test_the_bambora_script_is_a_setting(make_operator, settings_env):
    settings_env(BAMBORA_CHECKOUT_JS_URL="http://127.0.0.1:8123/stand-in/customcheckout.js")
    owner = make_operator()
    use_gateway(owner.operator.id, "bambora", merchant_id="300200578")
    script = checkout_script_for_shop(owner.operator.slug)
    assert script.url == "http://127.0.0.1:8123/stand-in/customcheckout.js"
    assert script.script_origins == script.frame_origins == ("http://127.0.0.1:8123",)


def test_forte_loads_the_live_or_the_sandbox_forte_js_by_its_test_flag(make_operator, settings_env):
    settings_env(FORTE_JS_URL_LIVE=None, FORTE_JS_URL_SANDBOX=None)
    owner = make_operator(currency="USD")
    use_gateway(owner.operator.id, "forte", organization_id="org_1", base_url="https://api.forte.net/v3")
    live = checkout_script_for(owner.operator.id)
    assert (live.url, live.script_origins, live.frame_origins) == (
        "https://api.forte.net/js/v1", ("https://api.forte.net",), ())

    use_gateway(owner.operator.id, "forte", organization_id="org_1", base_url="https://sandbox.forte.net/api/v3")
    test = checkout_script_for(owner.operator.id)
    assert (test.url, test.script_origins, test.frame_origins) == (
        "https://sandbox.forte.net/api/js/v1", ("https://sandbox.forte.net",), ())


def test_the_forte_scripts_are_settings(make_operator, settings_env):
    settings_env(FORTE_JS_URL_LIVE="http://127.0.0.1:8124/forte.js", FORTE_JS_URL_SANDBOX="http://localhost:8125/f.js")
    owner = make_operator(currency="USD")
    use_gateway(owner.operator.id, "forte", organization_id="org_1")  # no address: Forte's live API
    assert checkout_script_for(owner.operator.id).script_origins == ("http://127.0.0.1:8124",)
    use_gateway(owner.operator.id, "forte", organization_id="org_1", base_url="https://sandbox.forte.net/api/v3")
    assert checkout_script_for(owner.operator.id).url == "http://localhost:8125/f.js"


def test_an_unknown_shop_loads_no_script(make_operator):
    assert checkout_script_for_shop("no-such-shop").url is None


def test_an_origin_is_scheme_host_and_port():
    assert origin_of("https://libs.na.bambora.com/customcheckout/1/customcheckout.js") == "https://libs.na.bambora.com"
    assert origin_of("http://127.0.0.1:8123/a/b.js?v=1") == "http://127.0.0.1:8123"
