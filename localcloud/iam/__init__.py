"""IAM that denies: policy evaluation, role propagation and the credentials services use.

- `Guard` checks every signed request before moto (see guard.py);
- `authorize(access_key_id, action, resource)` decides one action for a key the local cloud
  issued, as the guard does;
- `role_credentials(account_id, role_arn)` and `function_credentials(...)` give the sessions
  state machine tasks and function workers call services with.
"""

from __future__ import annotations

from localcloud import seams
from localcloud.iam.guard import Guard
from localcloud.iam.guard import authorize as _authorize
from localcloud.iam.history import history
from localcloud.iam.policy import Decision, evaluate
from localcloud.iam.roles import Credentials, role_credentials

__all__ = [
    "Credentials",
    "Decision",
    "Guard",
    "authorize",
    "function_credentials",
    "role_credentials",
    "role_may_write_logs",
    "task_caller",
    "task_credentials",
]


def authorize(access_key_id: str, action: str, resource: str) -> Decision:
    """The decision on `action` (e.g. "dynamodb:PutItem") on `resource` for a key; a key the
    local cloud did not issue is the administrator's and always allowed."""
    owner = seams.iam_key_owner(access_key_id)
    if owner is None:
        return Decision.ALLOWED
    return _authorize(owner, action, resource)


def function_credentials(
    account_id: str, region: str, role_arn: str, function_name: str
) -> dict[str, str]:
    """The environment variables of a function's credentials: a session of its execution
    role named after the function, as Lambda gives its execution environments."""
    return role_credentials(account_id, role_arn, function_name, region).as_environment()


def task_credentials(role_arn: str) -> dict[str, str]:
    """boto3.client keyword arguments for a state machine's task: its role's session."""
    account_id = role_arn.split(":")[4]
    credentials = role_credentials(account_id, role_arn, "localcloud-states")
    return {
        "aws_access_key_id": credentials.access_key_id,
        "aws_secret_access_key": credentials.secret_access_key,
        "aws_session_token": credentials.session_token,
    }


def task_caller(role_arn: str | None) -> tuple[str | None, str]:
    """The key a state machine's task calls with (its role's session, which the guard knows
    it by) and the account it calls in. A task run as no role calls with moto's default key,
    None here: the administrator."""
    if role_arn is None:
        return None, seams.ACCOUNT_ID
    return task_credentials(role_arn)["aws_access_key_id"], role_arn.split(":")[4]


def role_may_write_logs(
    account_id: str, region: str, role_arn: str, log_group: str, log_stream: str
) -> bool:
    """Whether a function's execution role lets Lambda write its log stream: on AWS a role
    without logs:CreateLogStream and logs:PutLogEvents gets no logs
    (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html)."""
    policies = history.in_force(account_id, role_arn)
    stream_arn = f"arn:aws:logs:{region}:{account_id}:log-group:{log_group}:log-stream:{log_stream}"
    return all(
        evaluate(policies, action, stream_arn) is Decision.ALLOWED
        for action in ("logs:CreateLogStream", "logs:PutLogEvents")
    )
