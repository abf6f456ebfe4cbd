"""What a location's counter accepts, through the API: the three `accepts_*` switches, the
older `mode` still written and read (derived), and a counter that accepts nothing refused."""

from __future__ import annotations

from tests.support.backend import Backend, Operator


def accepts(location: dict) -> tuple[bool, bool, bool]:
    return location["accepts_pos_payments"], location["accepts_typed_amounts"], location["accepts_items"]


def test_a_location_answers_its_switches_and_the_mode_derived_from_them(shop: Operator, on_backend_db: Backend):
    deli = shop.http.post("/locations", json={"name": "Deli", "email": "deli@example.com",
                                              "accepts_pos_payments": True, "accepts_items": True})
    strict = shop.http.post("/locations", json={"name": "Strict Till", "email": "till@example.com", "mode": "pos",
                                                "accepts_typed_amounts": False})
    cafe = shop.add_location("Cafe", mode="items")

    assert deli.status_code == 201 and (accepts(deli.json()), deli.json()["mode"]) == ((True, True, True), "pos")
    assert (accepts(strict.json()), strict.json()["mode"]) == ((True, False, False), "pos")
    assert (accepts(cafe), cafe["mode"]) == ((False, True, True), "items")
    assert shop.http.get(f"/locations/{deli.json()['id']}").json()["mode"] == "pos"


def test_patching_the_switches_changes_only_what_is_named(shop: Operator, on_backend_db: Backend):
    location = shop.add_location("Main Street Books", mode="items")

    answer = shop.http.patch(f"/locations/{location['id']}", json={"accepts_pos_payments": True})
    older_client = shop.http.patch(f"/locations/{location['id']}", json={"mode": "amount"})

    assert (accepts(answer.json()), answer.json()["mode"]) == ((True, True, True), "pos")
    assert (accepts(older_client.json()), older_client.json()["mode"]) == ((False, True, False), "amount")


def test_a_counter_that_would_accept_nothing_is_refused(shop: Operator, on_backend_db: Backend):
    location = shop.add_location("Main Street Books", mode="amount")

    created = shop.http.post("/locations", json={"name": "Nothing", "email": "nothing@example.com",
                                                 "accepts_typed_amounts": False})
    patched = shop.http.patch(f"/locations/{location['id']}", json={"accepts_typed_amounts": False})
    not_a_bool = shop.http.patch(f"/locations/{location['id']}", json={"accepts_items": "yes"})

    for refused in (created, patched):
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"]["field"] == "accepts_typed_amounts"
        assert refused.json()["error"]["message"].startswith("A counter must accept at least one way to redeem")
    assert not_a_bool.status_code in (400, 422) and not_a_bool.json()["error"]["field"] == "accepts_items"
    assert accepts(shop.http.get(f"/locations/{location['id']}").json()) == (False, True, False)


def test_the_list_filters_by_the_derived_mode(shop: Operator, on_backend_db: Backend):
    till = shop.add_location("Till", mode="pos")
    deli = shop.add_location("Deli", mode="items", accepts_pos_payments=True)
    cafe = shop.add_location("Cafe", mode="items")

    def ids(mode: str) -> set[int]:  # the operator's network is shared with the other tests of this module
        return {row["id"] for row in shop.http.get("/locations", params={"mode": mode, "limit": 100}).json()["data"]}

    ours = {till["id"], deli["id"], cafe["id"]}
    assert ids("pos") & ours == {till["id"], deli["id"]}
    assert ids("items") & ours == {cafe["id"]}
    assert ids("amount") & ours == set()
