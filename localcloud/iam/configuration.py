"""Checks AWS makes of a role when a function or state machine is configured with it.

- Lambda: the role must be assumable by lambda.amazonaws.com, else
  InvalidParameterValueException "The role defined for the function cannot be assumed by
  Lambda." (https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html);
  with TracingConfig Active it must allow xray:PutTraceSegments and xray:PutTelemetryRecords
  (https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html#services-xray-permissions).
- Step Functions: the role must be assumable by states.amazonaws.com, else
  AccessDeniedException "Neither the global service principal states.amazonaws.com, nor the
  regional one is authorized to assume the provided role."; with logging on it must allow
  log delivery, else AccessDeniedException "The state machine IAM Role is not authorized to
  access the Log Destination" (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-iam-policy).

Both use the role's policies in force (a policy just put is not yet), as AWS does.
"""

from __future__ import annotations

from localcloud import seams
from localcloud.iam.errors import WsgiApp, service_error
from localcloud.iam.history import history
from localcloud.iam.policy import Decision, evaluate
from localcloud.iam.requests import ServiceRequest
from localcloud.iam.roles import assumable_by

LAMBDA_CANNOT_ASSUME = "The role defined for the function cannot be assumed by Lambda."
XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
STATES_CANNOT_ASSUME = (
    "Neither the global service principal states.amazonaws.com, nor the regional one is "
    "authorized to assume the provided role."
)
STATES_CANNOT_LOG = "The state machine IAM Role is not authorized to access the Log Destination"
LOG_DELIVERY_ACTIONS = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)


def refusal(request: ServiceRequest, account_id: str, region: str) -> WsgiApp | None:
    """The error AWS answers a function or state machine configuration with, if any."""
    if request.service == "lambda" and request.operation in (
        "CreateFunction",
        "UpdateFunctionConfiguration",
    ):
        return _function_refusal(request, account_id, region)
    if request.service == "stepfunctions" and request.operation in (
        "CreateStateMachine",
        "UpdateStateMachine",
    ):
        return _state_machine_refusal(request, account_id, region)
    return None


def _function_refusal(request: ServiceRequest, account_id: str, region: str) -> WsgiApp | None:
    params = request.params
    role = params.get("Role")
    if role and not assumable_by(account_id, role, ("lambda.amazonaws.com",)):
        return service_error(400, "InvalidParameterValueException", LAMBDA_CANNOT_ASSUME, "rest")
    if (params.get("TracingConfig") or {}).get("Mode") != "Active":
        return None
    if not role:  # UpdateFunctionConfiguration of the tracing mode alone: the function's role
        role = seams.function_role(account_id, region, params.get("FunctionName", ""))
    for action in XRAY_ACTIONS:
        if not _role_allows(account_id, role, action):
            message = (
                "The provided execution role does not have permissions to call "
                f"{action.split(':')[1]} on XRAY"
            )
            return service_error(400, "InvalidParameterValueException", message, "rest")
    return None


def _state_machine_refusal(request: ServiceRequest, account_id: str, region: str) -> WsgiApp | None:
    params = request.params
    role = params.get("roleArn")
    principals = ("states.amazonaws.com", f"states.{region}.amazonaws.com")
    if role and not assumable_by(account_id, role, principals):
        return service_error(400, "AccessDeniedException", STATES_CANNOT_ASSUME, "json")
    level = (params.get("loggingConfiguration") or {}).get("level", "OFF")
    if level == "OFF":
        return None
    if not role:
        role = seams.state_machine_role(account_id, region, params.get("stateMachineArn", ""))
    if not all(_role_allows(account_id, role, action) for action in LOG_DELIVERY_ACTIONS):
        return service_error(400, "AccessDeniedException", STATES_CANNOT_LOG, "json")
    return None


def _role_allows(account_id: str, role_arn: str | None, action: str) -> bool:
    if not role_arn:
        return False
    policies = history.in_force(account_id, role_arn)
    return evaluate(policies, action, "*") is Decision.ALLOWED
