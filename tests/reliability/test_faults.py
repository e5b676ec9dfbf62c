"""A part that fails mid-order: stock and orders stay consistent, and an alarm tells the operator.

Each fault is a bad change an operator could deploy (a function's configuration, the workflow's
definition); each is undone afterwards, so the rest of the suite sees the stack as deployed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.reliability.client import DeployedStack, OrdersApi, wait_for
from workbook import mailbox

ALARM_TIMEOUT_S = 40  # a 10 s period evaluated every 0.5 s, plus the wait to settle to OK


@dataclass
class Ops:
    """An operations topic with a confirmed email subscription, and the alarms it hears."""

    stack: DeployedStack
    topic_arn: str
    address: str

    def alarm(self, name: str, namespace: str, metric: str, dimension: tuple[str, str]) -> str:
        """Any datapoint above 0 in a 10 s period: ALARM, and an email to operations."""
        self.stack.client("cloudwatch").put_metric_alarm(
            AlarmName=name,
            Namespace=namespace,
            MetricName=metric,
            Dimensions=[{"Name": dimension[0], "Value": dimension[1]}],
            Statistic="Sum",
            Period=10,
            EvaluationPeriods=1,
            Threshold=0,
            ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="notBreaching",
            AlarmActions=[self.topic_arn],
        )
        # Earlier tests' datapoints may still be in the period: start from a quiet OK.
        wait_for(lambda: self.state(name) == "OK", f"{name} to settle to OK", ALARM_TIMEOUT_S)
        return name

    def state(self, name: str) -> str:
        alarms = self.stack.client("cloudwatch").describe_alarms(AlarmNames=[name])
        return alarms["MetricAlarms"][0]["StateValue"]

    def wait_for_alarm_email(self, name: str) -> None:
        wait_for(lambda: self.state(name) == "ALARM", f"{name} in ALARM", ALARM_TIMEOUT_S)
        subject = f'ALARM: "{name}" in US East (N. Virginia)'
        wait_for(
            lambda: any(m["subject"] == subject for m in self.stack.mail(self.address)),
            f"the email '{subject}' to {self.address}",
        )


@pytest.fixture
def ops(stack: DeployedStack, tag: str, mail_env: None) -> Iterator[Ops]:
    sns, cloudwatch = stack.client("sns"), stack.client("cloudwatch")
    topic_arn = sns.create_topic(Name=f"{stack.names.prefix}-ops-{tag}")["TopicArn"]
    address = f"ops-{tag}@example.com"
    sns.subscribe(TopicArn=topic_arn, Protocol="email", Endpoint=address)
    assert len(mailbox.confirm_pending_subscriptions(topic_arn)) == 1
    ops = Ops(stack, topic_arn, address)
    yield ops
    alarms = cloudwatch.describe_alarms(AlarmNamePrefix=f"{stack.names.prefix}-fault-{tag}")
    names = [a["AlarmName"] for a in alarms["MetricAlarms"]]
    if names:
        cloudwatch.delete_alarms(AlarmNames=names)
    sns.delete_topic(TopicArn=topic_arn)


def test_failing_function_refuses_the_order_and_takes_nothing(
    stack: DeployedStack, api: OrdersApi, ops: Ops, tag: str
) -> None:
    """CheckInventory fails (its function points at a table that does not exist)."""
    lam = stack.client("lambda")
    function = stack.names.inventory_check_function
    item = f"fault-fn-{tag}"
    stack.restock(item, 5)
    user = api.create_user("Unlucky", f"fault-fn-{tag}@example.com")
    alarm = ops.alarm(
        f"{stack.names.prefix}-fault-{tag}-errors",
        "AWS/Lambda",
        "Errors",
        ("FunctionName", function),
    )
    environment = lam.get_function_configuration(FunctionName=function)["Environment"]
    broken = {**environment["Variables"], "INVENTORY_TABLE": f"{stack.names.prefix}-NoSuchTable"}
    lam.update_function_configuration(FunctionName=function, Environment={"Variables": broken})
    try:
        answer = api.place_order(user, item)
        assert answer.status_code == 503, answer.text
        assert "no stock was taken" in answer.json()["message"]
        assert stack.stock(item) == 5
        assert stack.orders_of_item(item) == []
        ops.wait_for_alarm_email(alarm)
    finally:
        lam.update_function_configuration(FunctionName=function, Environment=environment)
    healed = api.place_order(user, item)
    assert healed.status_code == 201, healed.text
    assert stack.stock(item) == 4


def test_failure_after_the_stock_was_taken_is_compensated(
    stack: DeployedStack, api: OrdersApi, ops: Ops, tag: str
) -> None:
    """NotifyCustomer fails after CreateOrder reserved the stock (the workflow publishes to a
    topic that does not exist): CompensateOrder must give the stock back and mark the order."""
    sfn = stack.client("stepfunctions")
    item = f"fault-sfn-{tag}"
    stack.restock(item, 5)
    user = api.create_user("Unlucky Too", f"fault-sfn-{tag}@example.com")
    alarm = ops.alarm(
        f"{stack.names.prefix}-fault-{tag}-executions",
        "AWS/States",
        "ExecutionsFailed",
        ("StateMachineArn", stack.state_machine_arn),
    )
    definition = sfn.describe_state_machine(stateMachineArn=stack.state_machine_arn)["definition"]
    assert stack.topic_arn in definition
    broken = definition.replace(stack.topic_arn, f"{stack.topic_arn}-missing")
    sfn.update_state_machine(stateMachineArn=stack.state_machine_arn, definition=broken)
    try:
        answer = api.place_order(user, item, quantity=2)
        assert answer.status_code == 503, answer.text
        [order] = stack.orders_of_item(item)
        assert order["status"] == "FAILED"  # recorded, not lost, and not left PLACED
        assert stack.stock(item) == 5  # the 2 reserved came back
        ops.wait_for_alarm_email(alarm)
    finally:
        sfn.update_state_machine(stateMachineArn=stack.state_machine_arn, definition=definition)
    healed = api.place_order(user, item, quantity=2)
    assert healed.status_code == 201, healed.text
    assert stack.stock(item) == 3
