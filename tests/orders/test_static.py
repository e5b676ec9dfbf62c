"""Static checks: the ASL (asl-validator and structure), the IAM policies (parliament and
least privilege) and the stack definitions they are rendered from."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import parliament
import pytest

from workbook import stack

REPO = Path(__file__).resolve().parents[2]
NAMES = stack.StackNames.for_prefix("shop")
REGION, ACCOUNT = "ap-south-1", "111122223333"
ARNS = stack.stack_arns(NAMES, REGION, ACCOUNT)
ASL = json.loads(stack.STATE_MACHINE_FILE.read_text())
RECOMMENDED_LAMBDA_RETRY = {
    "ErrorEquals": [
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
    ],
    "IntervalSeconds": 2,
    "MaxAttempts": 6,
    "BackoffRate": 2,
}
# AWS's Service Authorization Reference lists no resource type for these two actions, so "*" is
# the only Resource they accept; the test below checks that claim against parliament's copy.
STAR_RESOURCE_ONLY = {"sns:Unsubscribe", "sns:GetSubscriptionAttributes"}


# ---------------------------------------------------------------- ASL


def asl_validator(*args: str) -> subprocess.CompletedProcess:
    if not (REPO / "node_modules" / ".bin" / "asl-validator").exists() or not shutil.which("npx"):
        pytest.fail("asl-validator is not installed: run `npm ci` at the repository root")
    return subprocess.run(
        ["npx", "--no-install", "asl-validator", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_asl_validator_accepts_the_definition_and_its_rendering():
    checked = asl_validator("--json-path", "statemachine.json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    rendered = stack.render_state_machine(ARNS, ARNS["TopicArn"])
    checked = asl_validator("--json-definition", rendered)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_asl_validator_rejects_the_use_cases_nested_states():
    """Control: the use case's definition (states nested in the Choice) must fail, or the
    validator run above proves nothing."""
    broken = {
        "StartAt": "IsAvailable",
        "States": {
            "IsAvailable": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.r", "StringEquals": "Available", "Next": "CreateOrder"},
                    {"Default": "OutOfStock"},
                ],
                "CreateOrder": {"Type": "Pass", "End": True},
                "OutOfStock": {"Type": "Fail", "Error": "ItemUnavailable"},
            }
        },
    }
    assert asl_validator("--json-definition", json.dumps(broken)).returncode != 0


def tasks():
    return {name: s for name, s in ASL["States"].items() if s["Type"] == "Task"}


def test_every_lambda_task_carries_the_recommended_retry_first():
    lambda_tasks = {n: t for n, t in tasks().items() if t["Resource"].endswith(":lambda:invoke")}
    assert set(lambda_tasks) == {"CheckInventory", "CreateOrder", "CompensateOrder"}
    for task in lambda_tasks.values():
        assert task["Retry"][0] == RECOMMENDED_LAMBDA_RETRY


def test_no_account_id_or_region_in_the_definition():
    text = stack.STATE_MACHINE_FILE.read_text()
    assert not re.search(r"\d{12}", text)
    assert not re.search(r"\b[a-z]{2}(-gov)?-[a-z]+-\d\b", text)
    assert "arn:aws:lambda:" not in text  # function ARNs come only from placeholders


def test_flow_is_top_level_and_ends_where_expected():
    states = ASL["States"]
    assert ASL["StartAt"] == "CheckInventory"
    targets = []
    for state in states.values():
        targets += [state.get("Next"), state.get("Default")]
        targets += [c["Next"] for c in state.get("Choices", []) + state.get("Catch", [])]
        # A state's only keys are ASL fields: nothing nested, as the use case had it.
        assert not any(isinstance(v, dict) and "Type" in v for v in state.values())
    assert {t for t in targets if t} <= set(states)
    assert states["IsAvailable"]["Choices"] == [
        {"Variable": "$.inventory.result", "StringEquals": "Available", "Next": "CreateOrder"}
    ]
    assert states["IsAvailable"]["Default"] == "OutOfStock"
    assert states["OutOfStock"]["Type"] == "Fail"
    assert states["OutOfStock"]["Error"] == "ItemUnavailable" and states["OutOfStock"]["Cause"]
    assert states["OrderFailed"] == {
        **states["OrderFailed"],
        "Type": "Fail",
        "Error": "OrderFailed",
    }
    assert states["NotifyCustomer"]["Next"] == "OrderPlaced"
    assert states["OrderPlaced"]["Type"] == "Succeed"


def test_out_of_stock_and_later_failures_are_caught():
    create = ASL["States"]["CreateOrder"]
    assert create["Catch"][0]["ErrorEquals"] == ["ItemUnavailable"]
    assert create["Catch"][0]["Next"] == "OutOfStock"
    for name in ("CreateOrder", "NotifyCustomer"):
        last = ASL["States"][name]["Catch"][-1]
        assert last["ErrorEquals"] == ["States.ALL"] and last["Next"] == "CompensateOrder"
        assert last["ResultPath"] == "$.error"  # keeps $.order for the compensation
    assert ASL["States"]["CompensateOrder"]["Next"] == "OrderFailed"


def test_notification_is_tagged_with_the_users_id():
    notify = ASL["States"]["NotifyCustomer"]
    assert notify["Resource"] == "arn:aws:states:::sns:publish"
    assert notify["Parameters"]["TopicArn"] == "${TopicArn}"
    assert notify["Parameters"]["MessageAttributes"] == {
        "userId": {"DataType": "String", "StringValue.$": "$.order.userId"}
    }


def test_tasks_send_the_actions_order_service_dispatches(load_app):
    app = load_app("order_service")
    actions = {
        t["Parameters"]["Payload"].get("action")
        for t in tasks().values()
        if t["Parameters"].get("FunctionName") == "${OrderServiceArn}"
    }
    assert actions == set(app.WORKFLOW_TASKS) == {"CreateOrder", "CompensateOrder"}


def test_render_state_machine_fills_every_placeholder_and_refuses_missing_ones():
    rendered = stack.render_state_machine(ARNS, ARNS["TopicArn"])
    assert "${" not in rendered
    states = json.loads(rendered)["States"]
    assert (
        states["CheckInventory"]["Parameters"]["FunctionName"] == ARNS["InventoryCheckFunctionArn"]
    )
    assert states["CreateOrder"]["Parameters"]["FunctionName"] == ARNS["OrderServiceArn"]
    with pytest.raises(KeyError, match="OrderServiceArn"):
        stack.render_state_machine({"InventoryCheckFunctionArn": "x"}, ARNS["TopicArn"])


# ---------------------------------------------------------------- IAM


def all_policies():
    policies = {
        spec.folder: stack.function_policy(NAMES, spec, REGION, ACCOUNT) for spec in stack.FUNCTIONS
    }
    policies["state machine"] = stack.render_state_machine_policy(ARNS, ARNS["TopicArn"])
    return policies


def statements(policy):
    for statement in policy["Statement"]:
        actions, resources = statement["Action"], statement["Resource"]
        yield (
            [actions] if isinstance(actions, str) else actions,
            [resources] if isinstance(resources, str) else resources,
        )


@pytest.mark.parametrize(("owner", "policy"), all_policies().items())
def test_parliament_finds_nothing_above_low(owner, policy):
    analysed = parliament.analyze_policy_string(json.dumps(policy), include_community_auditors=True)
    findings = [parliament.enhance_finding(f) for f in analysed.findings]
    serious = [
        (f.issue, f.severity, f.detail) for f in findings if f.severity not in ("INFO", "LOW")
    ]
    assert serious == []


@pytest.mark.parametrize(("owner", "policy"), all_policies().items())
def test_no_wildcards_except_for_actions_without_resource_types(owner, policy):
    for actions, resources in statements(policy):
        assert all("*" not in action for action in actions)
        if "*" in resources:
            assert resources == ["*"] and set(actions) <= STAR_RESOURCE_ONLY
        assert all(r == "*" or r.startswith("arn:aws:") for r in resources)


def test_star_resource_actions_really_have_no_resource_type():
    definitions = json.loads((Path(parliament.__file__).parent / "iam_definition.json").read_text())
    sns = next(service for service in definitions if service["prefix"] == "sns")
    for privilege in sns["privileges"]:
        if f"sns:{privilege['privilege']}" in STAR_RESOURCE_ONLY:
            assert [r["resource_type"] for r in privilege["resource_types"]] == [""]


ENV_TO_ARN = {
    "INVENTORY_TABLE": "InventoryTableArn",
    "USERS_TABLE": "UsersTableArn",
    "USER_EMAILS_TABLE": "UserEmailsTableArn",
    "ORDERS_TABLE": "OrdersTableArn",
    "IDEMPOTENCY_TABLE": "IdempotencyTableArn",
    "TOPIC_ARN": "TopicArn",
    "STATE_MACHINE_ARN": "StateMachineArn",
}


@pytest.mark.parametrize("spec", stack.FUNCTIONS, ids=lambda s: s.folder)
def test_each_function_may_touch_only_the_resources_it_is_given(spec):
    """A function's policy names exactly the resources in its environment, plus its own
    log group: nothing of another function's."""
    granted = set()
    for _, resources in statements(stack.function_policy(NAMES, spec, REGION, ACCOUNT)):
        granted |= {r.split("/index/")[0] for r in resources if r != "*"}
    expected = {ARNS[ENV_TO_ARN[key]] for key in spec.environment if key in ENV_TO_ARN}
    log_group = stack.log_group_arn(NAMES.function_name(spec), REGION, ACCOUNT)
    assert granted == expected | {log_group}


def test_state_machine_may_invoke_only_its_two_functions():
    policy = stack.render_state_machine_policy(ARNS, ARNS["TopicArn"])
    grants = {action: resources for actions, resources in statements(policy) for action in actions}
    assert grants == {
        "lambda:InvokeFunction": [ARNS["InventoryCheckFunctionArn"], ARNS["OrderServiceArn"]],
        "sns:Publish": [ARNS["TopicArn"]],
    }


def test_render_policy_refuses_a_missing_placeholder():
    with pytest.raises(KeyError, match="LogGroupArn"):
        stack.render_policy("order_status", ARNS)


# ---------------------------------------------------------------- names and tables


def test_names_follow_the_prefix():
    assert NAMES.orders_table == "shop-Orders" and NAMES.topic == "shop-order-notifications"
    assert [NAMES.function_name(s) for s in stack.FUNCTIONS] == [
        "shop-InventoryCheckFunction",
        "shop-UserService",
        "shop-OrderService",
        "shop-OrderStatusFunction",
    ]
    assert NAMES.role_name(stack.FUNCTIONS[0]) == "shop-InventoryCheckFunction-role"


@pytest.mark.parametrize("prefix", ["", "1shop", "shop_1", "a" * 21, "shop name", "Shop", "shop-2"])
def test_bad_prefixes_are_refused(prefix):
    with pytest.raises(ValueError):
        stack.StackNames.for_prefix(prefix)


def test_longest_prefix_keeps_role_names_within_iams_64_characters():
    names = stack.StackNames.for_prefix("a" * 20)
    roles = [names.role_name(spec) for spec in stack.FUNCTIONS] + [names.state_machine_role]
    assert max(len(role) for role in roles) <= 64


def test_orders_can_be_listed_by_user_newest_first():
    (orders,) = [t for t in stack.table_definitions(NAMES) if t["TableName"] == NAMES.orders_table]
    (index,) = orders["GlobalSecondaryIndexes"]
    assert index["IndexName"] == stack.ORDERS_BY_USER_INDEX
    assert index["KeySchema"] == [
        {"AttributeName": "userId", "KeyType": "HASH"},
        {"AttributeName": "createdAt", "KeyType": "RANGE"},
    ]
    assert all(t["BillingMode"] == "PAY_PER_REQUEST" for t in stack.table_definitions(NAMES))
