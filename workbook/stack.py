"""The one definition of the order service's AWS resources.

Notebooks, scripts and tests build the stack from these values with boto3, so a name, a key schema
or a permission is changed here and nowhere else. Everything is derived from a learner's prefix so
several learners (or test runs) can share one account without colliding.

Pieces that are configuration rather than code, for whoever wires the API:
- REST API routes: GET /inventory -> InventoryCheckFunction; POST /users, PUT /users -> UserService;
  POST /orders, GET /orders/{orderId}, GET /users/{userId}/orders -> OrderService;
  PUT /orders, PUT /orders/{orderId} -> OrderStatusFunction (require the admin API key on these:
  changing an order's status is an operator's action, not a customer's).
- Create each function's log group `/aws/lambda/<name>` before the function: its role may only
  write to that group, not create groups.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
LAMBDAS_DIR = REPO_ROOT / "lambdas"
STATE_MACHINE_FILE = REPO_ROOT / "statemachine.json"
STATE_MACHINE_POLICY_FILE = Path(__file__).resolve().parent / "statemachine-policy.json"

# A current runtime, on Amazon Linux 2023 (deprecated from 2029-06-30,
# https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html); python3.11 runs on Amazon
# Linux 2, whose support has ended. Not python3.14: the local cloud runs a function on the
# Python its runtime names, and 3.13 is the newest installed where the workbook is tested.
RUNTIME = "python3.13"
# Declared on every function (create_function) and on the layer (CompatibleArchitectures): the
# layer is built from wheels for this platform (workbook/packaging.py).
ARCHITECTURE = "x86_64"
# The layer's pinned packages, one file; requirements.txt pins the same Powertools, so the code
# tested here is the code deployed (tests/workbook/test_packaging.py checks both agree).
LAYER_REQUIREMENTS_FILE = LAMBDAS_DIR / "layer-requirements.txt"
METRICS_NAMESPACE = "OrderService"
ORDERS_BY_USER_INDEX = "byUser"
# EXPRESS, because OrderService starts it with StartSyncExecution and answers the API with the
# outcome; only Express workflows can run synchronously (and they are priced per request).
STATE_MACHINE_TYPE = "EXPRESS"

INVENTORY_CHECK = "InventoryCheckFunction"
USER_SERVICE = "UserService"
ORDER_SERVICE = "OrderService"
ORDER_STATUS = "OrderStatusFunction"


def powertools_requirement() -> str:
    """The layer's Powertools pin, as its requirements file states it (the layer's description)."""
    for line in LAYER_REQUIREMENTS_FILE.read_text().splitlines():
        if line.startswith("aws-lambda-powertools"):
            return line.strip()
    raise ValueError(f"{LAYER_REQUIREMENTS_FILE} pins no aws-lambda-powertools")


def request_models() -> dict[str, Path]:
    """API Gateway's request models by name: each a JSON Schema (draft 4) file in the folder of
    the function that serves the request, `lambdas/<folder>/schemas/<Model>.json`. API Gateway
    validates bodies with it, and the function, whose zip carries it, with the same document."""
    return {path.stem: path for path in sorted(LAMBDAS_DIR.glob("*/schemas/*.json"))}


# Lower-case letters and digits only. IAM role names are case-insensitive, so `Shop` and `shop`
# would be one learner's roles; and without '-', `<prefix>-` can never begin another prefix's
# names (a prefix `shop-2` would make teardown of `shop` take `shop-2-...` too).
_PREFIX_PATTERN = re.compile(r"[a-z][a-z0-9]{0,19}")


@dataclass(frozen=True)
class StackNames:
    """Every resource name of one learner's stack."""

    prefix: str
    inventory_table: str
    users_table: str
    user_emails_table: str
    orders_table: str
    idempotency_table: str
    inventory_check_function: str
    user_service_function: str
    order_service_function: str
    order_status_function: str
    topic: str
    state_machine: str
    state_machine_role: str
    api: str
    layer: str

    @classmethod
    def for_prefix(cls, prefix: str) -> StackNames:
        """Derive all names from a prefix of at most 20 characters.

        The limit keeps the longest derived name (a role, 64 characters at most) valid.
        """
        if not _PREFIX_PATTERN.fullmatch(prefix):
            raise ValueError(
                f"prefix {prefix!r} must be 1-20 lower-case letters or digits, "
                "starting with a letter"
            )
        return cls(
            prefix=prefix,
            inventory_table=f"{prefix}-Inventory",
            users_table=f"{prefix}-Users",
            user_emails_table=f"{prefix}-UserEmails",
            orders_table=f"{prefix}-Orders",
            idempotency_table=f"{prefix}-Idempotency",
            inventory_check_function=f"{prefix}-{INVENTORY_CHECK}",
            user_service_function=f"{prefix}-{USER_SERVICE}",
            order_service_function=f"{prefix}-{ORDER_SERVICE}",
            order_status_function=f"{prefix}-{ORDER_STATUS}",
            topic=f"{prefix}-order-notifications",
            state_machine=f"{prefix}-OrderProcessing",
            state_machine_role=f"{prefix}-OrderProcessing-role",
            api=f"{prefix}-OrdersApi",
            layer=f"{prefix}-powertools",
        )

    def function_name(self, spec: FunctionSpec) -> str:
        """The deployed name of a function."""
        return f"{self.prefix}-{spec.suffix}"

    def role_name(self, spec: FunctionSpec) -> str:
        """One role per function, so each holds only its own permissions."""
        return f"{self.prefix}-{spec.suffix}-role"


def _table(name: str, key: str, **extra: Any) -> dict[str, Any]:
    return {
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
        **extra,
    }


def table_definitions(names: StackNames) -> list[dict[str, Any]]:
    """Keyword arguments for `dynamodb.create_table`, one dict per table.

    UserEmails holds one row per claimed address: a conditional put on it inside the same
    transaction as the user row is what makes emails unique (a GSI cannot enforce that).
    """
    orders = _table(names.orders_table, "orderId")
    orders["AttributeDefinitions"] += [
        {"AttributeName": "userId", "AttributeType": "S"},
        {"AttributeName": "createdAt", "AttributeType": "S"},
    ]
    orders["GlobalSecondaryIndexes"] = [
        {
            "IndexName": ORDERS_BY_USER_INDEX,
            "KeySchema": [
                {"AttributeName": "userId", "KeyType": "HASH"},
                {"AttributeName": "createdAt", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
    ]
    return [
        _table(names.inventory_table, "itemId"),
        _table(names.users_table, "userId"),
        _table(names.user_emails_table, "email"),
        orders,
        # Powertools' DynamoDB persistence layer uses "id" as its key by default.
        _table(names.idempotency_table, "id"),
    ]


def time_to_live_settings(names: StackNames) -> list[dict[str, Any]]:
    """Keyword arguments for `dynamodb.update_time_to_live` (create_table cannot set TTL).

    Powertools writes the expiry of each idempotency record to "expiration"; TTL deletes them.
    """
    return [
        {
            "TableName": names.idempotency_table,
            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "expiration"},
        }
    ]


# The use case's inventory, as plain values for `Table.put_item` / `batch_writer`.
INVENTORY_SEED: list[dict[str, Any]] = [
    {"itemId": "Headlight", "quantity": 4},
    {"itemId": "Seatbelt", "quantity": 3},
    {"itemId": "coolant", "quantity": 2},
]


@dataclass(frozen=True)
class FunctionSpec:
    """How one Lambda function is deployed."""

    suffix: str
    folder: str
    memory_mb: int
    timeout_s: int
    environment: tuple[str, ...]
    handler: str = "app.lambda_handler"
    uses_powertools_layer: bool = True


_LOGS = ("POWERTOOLS_SERVICE_NAME", "LOG_LEVEL")
_LOGS_AND_METRICS = (*_LOGS, "POWERTOOLS_METRICS_NAMESPACE")

FUNCTIONS: list[FunctionSpec] = [
    FunctionSpec(INVENTORY_CHECK, "inventory_check", 256, 10, ("INVENTORY_TABLE", *_LOGS)),
    FunctionSpec(
        USER_SERVICE,
        "user_service",
        256,
        15,
        ("USERS_TABLE", "USER_EMAILS_TABLE", "TOPIC_ARN", *_LOGS),
    ),
    # 29 s: API Gateway's integration timeout; the function waits for a synchronous workflow.
    FunctionSpec(
        ORDER_SERVICE,
        "order_service",
        512,
        29,
        (
            "INVENTORY_TABLE",
            "USERS_TABLE",
            "ORDERS_TABLE",
            "IDEMPOTENCY_TABLE",
            "STATE_MACHINE_ARN",
            *_LOGS_AND_METRICS,
        ),
    ),
    FunctionSpec(
        ORDER_STATUS,
        "order_status",
        256,
        15,
        ("INVENTORY_TABLE", "ORDERS_TABLE", "TOPIC_ARN", *_LOGS_AND_METRICS),
    ),
]


def function_environment(
    names: StackNames,
    spec: FunctionSpec,
    topic_arn: str,
    state_machine_arn: str,
    log_level: str = "INFO",
) -> dict[str, str]:
    """The `Environment={"Variables": ...}` of one function: only the variables it reads."""
    values = {
        "INVENTORY_TABLE": names.inventory_table,
        "USERS_TABLE": names.users_table,
        "USER_EMAILS_TABLE": names.user_emails_table,
        "ORDERS_TABLE": names.orders_table,
        "IDEMPOTENCY_TABLE": names.idempotency_table,
        "TOPIC_ARN": topic_arn,
        "STATE_MACHINE_ARN": state_machine_arn,
        "POWERTOOLS_SERVICE_NAME": spec.folder,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        "LOG_LEVEL": log_level,
    }
    return {key: values[key] for key in spec.environment}


def stack_arns(
    names: StackNames, region: str, account_id: str, partition: str = "aws"
) -> dict[str, str]:
    """The ARNs the policy and ASL placeholders name, keyed by placeholder.

    `partition` is `aws` in the commercial Regions (`aws-cn`, `aws-us-gov` elsewhere): the
    session reads it from the caller's own ARN.
    """
    table = f"arn:{partition}:dynamodb:{region}:{account_id}:table"
    arns = {
        "InventoryTableArn": f"{table}/{names.inventory_table}",
        "UsersTableArn": f"{table}/{names.users_table}",
        "UserEmailsTableArn": f"{table}/{names.user_emails_table}",
        "OrdersTableArn": f"{table}/{names.orders_table}",
        "IdempotencyTableArn": f"{table}/{names.idempotency_table}",
        "TopicArn": f"arn:{partition}:sns:{region}:{account_id}:{names.topic}",
        "StateMachineArn": (
            f"arn:{partition}:states:{region}:{account_id}:stateMachine:{names.state_machine}"
        ),
    }
    for spec in FUNCTIONS:
        arns[f"{spec.suffix}Arn"] = (
            f"arn:{partition}:lambda:{region}:{account_id}:function:{names.function_name(spec)}"
        )
    return arns


def log_group_arn(function_name: str, region: str, account_id: str, partition: str = "aws") -> str:
    """The ARN of a function's log group, covering its log streams."""
    return f"arn:{partition}:logs:{region}:{account_id}:log-group:/aws/lambda/{function_name}:*"


_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def _fill(template: str, values: Mapping[str, str]) -> str:
    """Replace `${Name}` placeholders; fail on any unknown one rather than deploy it verbatim.

    (`string.Template` cannot be used: ASL is full of `$.path` expressions it rejects.)
    """
    missing = sorted({m for m in _PLACEHOLDER.findall(template) if m not in values})
    if missing:
        raise KeyError(f"no value for placeholder(s): {', '.join(missing)}")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def render_policy(folder: str, arns: Mapping[str, str]) -> dict[str, Any]:
    """A function's IAM policy document from `lambdas/<folder>/policy.json`.

    `arns` is `stack_arns(...)` plus "LogGroupArn" for this function's log group.
    """
    return json.loads(_fill((LAMBDAS_DIR / folder / "policy.json").read_text(), arns))


def function_policy(
    names: StackNames, spec: FunctionSpec, region: str, account_id: str, partition: str = "aws"
) -> dict[str, Any]:
    """The rendered IAM policy of one function, with its own log group."""
    arns = {
        **stack_arns(names, region, account_id, partition),
        "LogGroupArn": log_group_arn(names.function_name(spec), region, account_id, partition),
    }
    return render_policy(spec.folder, arns)


def render_state_machine(function_arns: Mapping[str, str], topic_arn: str) -> str:
    """The ASL definition with real ARNs, ready for `create_state_machine(definition=...)`.

    `function_arns` is keyed like `stack_arns` ("InventoryCheckFunctionArn", "OrderServiceArn").
    """
    return _fill(STATE_MACHINE_FILE.read_text(), {**function_arns, "TopicArn": topic_arn})


def render_state_machine_policy(function_arns: Mapping[str, str], topic_arn: str) -> dict[str, Any]:
    """The state machine role's policy: invoke its two functions, publish to the topic."""
    text = STATE_MACHINE_POLICY_FILE.read_text()
    return json.loads(_fill(text, {**function_arns, "TopicArn": topic_arn}))


def assume_role_policy(service: str, account_id: str) -> dict[str, Any]:
    """Trust policy letting `service` (lambda/states.amazonaws.com) assume a role.

    The SourceAccount condition stops another account's resource using our role
    (the confused-deputy problem).
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ],
    }
