"""What open_session asks of a learner: a prefix that cannot collide, an address they read."""

from __future__ import annotations

import pytest

from workbook import session as workbook_session
from workbook.session import WorkbookSetupError, open_session


@pytest.fixture
def as_if_on_aws(on_cloud: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Checks that run before AWS is called, tested without an account: the target is AWS,
    but `_use_aws` keeps the local cloud's endpoint so STS answers."""
    monkeypatch.setenv("WORKBOOK_TARGET", "aws")
    monkeypatch.setattr(workbook_session, "_use_aws", lambda: None)


def test_local_customers_get_addresses_made_from_the_default(on_cloud: str) -> None:
    session = open_session(echo=False)
    assert session.email("ada") == "learner+ada@example.com"
    assert session.partition == "aws"


def test_customers_addresses_are_made_from_the_learners(
    on_cloud: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBOOK_EMAIL", "grace.hopper@navy.example.org")
    assert open_session(echo=False).email("ada") == "grace.hopper+ada@navy.example.org"


@pytest.mark.parametrize("address", ["nobody", "you+x@gmail.com", "you@localhost"])
def test_an_address_that_cannot_take_a_suffix_is_refused(
    on_cloud: str, monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    monkeypatch.setenv("WORKBOOK_EMAIL", address)
    with pytest.raises(WorkbookSetupError, match="WORKBOOK_EMAIL"):
        open_session(echo=False)


def test_on_aws_the_prefix_must_be_chosen(
    as_if_on_aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WORKBOOK_PREFIX")
    with pytest.raises(WorkbookSetupError, match="needs WORKBOOK_PREFIX"):
        open_session(echo=False)


@pytest.mark.parametrize("address", ["learner@example.com", "me@shop.test", "a@b.invalid"])
def test_on_aws_an_address_nobody_reads_is_refused(
    as_if_on_aws: None, monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    monkeypatch.setenv("WORKBOOK_EMAIL", address)
    with pytest.raises(WorkbookSetupError, match="receives no mail"):
        open_session(echo=False)


def test_on_aws_emailing_customers_needs_the_learners_address(
    as_if_on_aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WORKBOOK_EMAIL", raising=False)
    session = open_session(echo=False)  # notebooks 00-02 need no address
    with pytest.raises(WorkbookSetupError, match="set WORKBOOK_EMAIL"):
        session.email("ada")
