"""UserService: validation, unique emails, and per-user filtered email subscriptions."""

import json

import pytest


@pytest.fixture
def app(load_app):
    return load_app("user_service")


@pytest.fixture
def create(app, event, answer, context):
    def create(name="Learner", email="learner@example.com"):
        body = {"name": name, "email": email}
        return answer(app.lambda_handler(event("post_users", body=body), context))

    return create


def subscriptions(mock_cloud):
    """{endpoint: filter policy} of the topic's subscriptions."""
    found = {}
    for sub in mock_cloud.sns.list_subscriptions_by_topic(TopicArn=mock_cloud.topic_arn)[
        "Subscriptions"
    ]:
        attributes = mock_cloud.sns.get_subscription_attributes(
            SubscriptionArn=sub["SubscriptionArn"]
        )
        assert sub["Protocol"] == "email"
        assert attributes["Attributes"]["FilterPolicyScope"] == "MessageAttributes"
        found[sub["Endpoint"]] = json.loads(attributes["Attributes"]["FilterPolicy"])
    return found


def test_create_user_stores_it_and_subscribes_the_email_filtered_to_the_user(create, mock_cloud):
    status, body = create()
    assert status == 201
    user = body["user"]
    assert user["name"] == "Learner" and user["email"] == "learner@example.com"
    assert "pending confirmation" in body["subscription"]
    stored = mock_cloud.table(mock_cloud.names.users_table).get_item(
        Key={"userId": user["userId"]}
    )["Item"]
    assert stored["email"] == "learner@example.com"
    assert stored["subscriptionArn"].startswith(mock_cloud.topic_arn + ":")
    assert subscriptions(mock_cloud) == {"learner@example.com": {"userId": [user["userId"]]}}


def test_email_is_unique_whatever_its_case(create, mock_cloud):
    assert create()[0] == 201
    status, body = create(name="Impostor", email="Learner@Example.COM")
    assert status == 409 and "already exists" in body["message"]
    assert len(mock_cloud.items(mock_cloud.names.users_table)) == 1
    assert len(subscriptions(mock_cloud)) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "valid JSON"),
        ('["a list"]', "JSON object"),
        ({"email": "learner@example.com"}, "name"),
        ({"name": "", "email": "learner@example.com"}, "name"),
        ({"name": "   ", "email": "learner@example.com"}, "name"),
        ({"name": "x" * 101, "email": "learner@example.com"}, "name"),
        ({"name": 42, "email": "learner@example.com"}, "name"),
        ({"name": "Bell\u0007", "email": "learner@example.com"}, "control"),
        ({"name": "Learner"}, "email"),
        ({"name": "Learner", "email": "not-an-email"}, "email"),
        ({"name": "Learner", "email": "a@b"}, "email"),
        ({"name": "Learner", "email": "two words@example.com"}, "email"),
        ({"name": "Learner", "email": "a" * 65 + "@example.com"}, "email"),
        ({"name": "Learner", "email": "a@" + "b" * 60 + "." + "c" * 60 + "." + "d" * 130}, "email"),
        ({"name": "Learner", "email": ["learner@example.com"]}, "email"),
        ({"name": "Learner", "email": "learner@example.com", "admin": True}, "admin"),
    ],
)
def test_invalid_new_user_is_400_and_writes_nothing(
    app, mock_cloud, event, answer, context, body, message
):
    status, answered = answer(app.lambda_handler(event("post_users", body=body), context))
    assert status == 400 and message in answered["message"]
    assert mock_cloud.items(mock_cloud.names.users_table) == []
    assert mock_cloud.items(mock_cloud.names.user_emails_table) == []
    assert subscriptions(mock_cloud) == {}


def test_changing_the_email_moves_the_subscription_and_frees_the_old_address(
    app, create, mock_cloud, event, answer, context
):
    _, body = create()
    user_id = body["user"]["userId"]
    request = event("put_users_email", USER_ID=user_id)
    status, body = answer(app.lambda_handler(request, context))
    assert status == 200 and body["user"]["email"] == "learner2@example.com"
    assert subscriptions(mock_cloud) == {"learner2@example.com": {"userId": [user_id]}}
    claims = {
        row["email"]: row["userId"] for row in mock_cloud.items(mock_cloud.names.user_emails_table)
    }
    assert claims == {"learner2@example.com": user_id}
    # The old address is free again.
    assert create(name="Someone else")[0] == 201


def test_email_change_also_removes_a_subscription_recorded_only_as_pending(
    app, create, mock_cloud, event, answer, context
):
    """A user item holding the literal "pending confirmation" (what Subscribe answers without
    ReturnSubscriptionArn) still gets its old subscription found by endpoint and filter."""
    _, body = create()
    user_id = body["user"]["userId"]
    # Another user's subscription to a different address must survive.
    create(name="Other", email="other@example.com")
    mock_cloud.table(mock_cloud.names.users_table).update_item(
        Key={"userId": user_id},
        UpdateExpression="SET subscriptionArn = :p",
        ExpressionAttributeValues={":p": "pending confirmation"},
    )
    status, _ = answer(app.lambda_handler(event("put_users_email", USER_ID=user_id), context))
    assert status == 200
    assert set(subscriptions(mock_cloud)) == {"learner2@example.com", "other@example.com"}


def test_changing_only_the_name_keeps_the_subscription(
    app, create, mock_cloud, event, answer, context
):
    _, body = create()
    user_id = body["user"]["userId"]
    request = event("put_users_email", USER_ID=user_id, body={"userId": user_id, "name": "New"})
    status, body = answer(app.lambda_handler(request, context))
    assert status == 200 and body["user"]["name"] == "New"
    assert "subscription" not in body
    assert subscriptions(mock_cloud) == {"learner@example.com": {"userId": [user_id]}}


def test_taking_another_users_email_is_409_and_changes_nothing(
    app, create, mock_cloud, event, answer, context
):
    _, first = create()
    _, second = create(name="Other", email="learner2@example.com")
    request = event("put_users_email", USER_ID=first["user"]["userId"])
    status, body = answer(app.lambda_handler(request, context))
    assert status == 409 and "already exists" in body["message"]
    stored = mock_cloud.table(mock_cloud.names.users_table).get_item(
        Key={"userId": first["user"]["userId"]}
    )
    assert stored["Item"]["email"] == "learner@example.com"
    assert len(subscriptions(mock_cloud)) == 2


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"userId": "no-such-user", "name": "X"}, 404, "not found"),
        ({"userId": "USER_ID"}, 400, "name"),
        ({"name": "X"}, 400, "userId"),
        ({"userId": "USER_ID", "email": "nope"}, 400, "email"),
        ({"userId": "USER_ID", "name": True}, 400, "name"),
    ],
)
def test_bad_updates_are_refused_and_change_nothing(
    app, create, mock_cloud, event, answer, context, body, status, message
):
    _, created = create()
    before = mock_cloud.items(mock_cloud.names.users_table)
    body = json.loads(json.dumps(body).replace("USER_ID", created["user"]["userId"]))
    request = event("put_users_email", body=body)
    got, answered = answer(app.lambda_handler(request, context))
    assert got == status and message in answered["message"]
    assert mock_cloud.items(mock_cloud.names.users_table) == before


def test_logs_never_hold_a_full_email(caplog, create):
    """Checks every attribute of every record, extras included (what the JSON line holds)."""
    create()
    logged = json.dumps([vars(record) for record in caplog.records], default=str)
    assert "learner@example.com" not in logged
    assert "l***@example.com" in logged
