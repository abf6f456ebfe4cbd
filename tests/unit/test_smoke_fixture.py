from app.services import ledger


def test_an_issued_card_holds_its_amount(make_operator):
    owner = make_operator()
    issued = ledger.issue_card(owner.actor, 2500)
    assert ledger.balance_of(owner.operator.id, issued.card.id) == 2500
    assert ledger.check_ledger() == []
