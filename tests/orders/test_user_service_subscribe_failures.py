"""UserService when SNS refuses the subscription: the request writes nothing.

A registration that fails after its rows were written would leave a user who never hears
about their orders, and an address nobody can register again. SNS refuses a Subscribe when the
address already has a subscription to the topic with another filter (left by an earlier
registration: AWS refuses to unsubscribe a pending one), or fails as any dependency can.
"""

import pytest

LEFT_OVER = (
    "Invalid parameter: Attributes Reason: Subscription already exists with different attributes"
)


@pytest.fixture
def app(load_app):
    return load_app("user_service")


def refuse_subscribe(app, monkeypatch, code: str, message: str) -> None:
    """Make the handler's SNS client answer Subscribe with this error, as SNS would."""

    error = app.sns.exceptions.from_code(code)  # the exception class boto3 raises for it

    def subscribe(**_kwargs):
        raise error({"Error": {"Code": code, "Message": message}}, "Subscribe")

    monkeypatch.setattr(app.sns, "subscribe", subscribe)


def rows(mock_cloud) -> dict[str, list]:
    names = mock_cloud.names
    return {
        "users": mock_cloud.items(names.users_table),
        "emails": mock_cloud.items(names.user_emails_table),
    }


def register(app, event, answer, context, email="learner@example.com"):
    body = {"name": "Learner", "email": email}
    return answer(app.lambda_handler(event("post_users", body=body), context))


def test_a_left_over_subscription_is_a_409_and_writes_nothing(
    app, mock_cloud, monkeypatch, event, answer, context
):
    refuse_subscribe(app, monkeypatch, "InvalidParameter", LEFT_OVER)
    status, body = register(app, event, answer, context)
    assert status == 409
    assert "learner@example.com is still subscribed" in body["message"]
    assert rows(mock_cloud) == {"users": [], "emails": []}


def test_a_failing_subscribe_is_a_503_and_writes_nothing(
    app, mock_cloud, monkeypatch, event, answer, context
):
    refuse_subscribe(app, monkeypatch, "InternalError", "Internal service error")
    status, body = register(app, event, answer, context)
    assert status == 503 and "retry" in body["message"]
    assert rows(mock_cloud) == {"users": [], "emails": []}
    # Once SNS works again, the same address registers.
    monkeypatch.undo()
    assert register(app, event, answer, context)[0] == 201


def test_a_failed_email_change_leaves_the_user_as_they_were(
    app, mock_cloud, monkeypatch, event, answer, context
):
    _, body = register(app, event, answer, context)
    user_id = body["user"]["userId"]
    before = rows(mock_cloud)
    subscriptions = mock_cloud.sns.list_subscriptions_by_topic(TopicArn=mock_cloud.topic_arn)
    refuse_subscribe(app, monkeypatch, "InvalidParameter", LEFT_OVER)

    request = event("put_users_email", USER_ID=user_id)
    status, body = answer(app.lambda_handler(request, context))

    assert status == 409 and "learner2@example.com is still subscribed" in body["message"]
    assert rows(mock_cloud) == before  # old address, old name, old claim; no new claim
    after = mock_cloud.sns.list_subscriptions_by_topic(TopicArn=mock_cloud.topic_arn)
    assert after["Subscriptions"] == subscriptions["Subscriptions"]  # the old one still works
