"""A workflow's SNS tasks call Publish in this process, answered as the SNS API answers.

moto's Step Functions interpreter runs an SNS task (`arn:aws:states:::sns:publish`) with
`client.publish(**parameters)`. With a boto3 client whose requests reach the server's app in
process, botocore (serializing, signing, parsing XML) and the app's dispatch (IAM guard,
Flask, moto's response class) cost the server about as much as the publish itself.
`TaskSnsClient` does what that request did, in the same order, without them:

1. botocore's validation of the parameters against SNS's model (a missing Message or a
   mistyped attribute fails the task with the same ParamValidationError);
2. the IAM guard's check of the state machine's role session: `sns:Publish` on the TopicArn,
   else the TargetArn, else "*" (AuthorizationError, HTTP 403), and the key's last use;
3. the SNS backend's publish with the arguments moto's `SNSResponse.publish` derives from the
   request (`seams.publish_as_api`), so filter policies and email deliveries see the same;
4. the answer as botocore reads it: MessageId and the response metadata.

Errors are raised as botocore's ClientError with SNS's code, message and HTTP status, so the
interpreter names them `SNS.<code>Exception` for Retry and Catch.
"""

from __future__ import annotations

import functools
import uuid
from typing import Any

import botocore.session
from botocore.exceptions import ClientError
from botocore.model import OperationModel, ServiceModel
from botocore.validate import validate_parameters

from localcloud import iam, seams
from localcloud.iam.requests import Permission


class TaskSnsClient:
    """The SNS client of the tasks a state machine's role runs in one region."""

    def __init__(self, region: str, role_arn: str | None, *, guard: iam.Guard) -> None:
        self.region = region
        self.guard = guard
        self.access_key_id, self.account_id = iam.task_caller(role_arn)

    def publish(self, **parameters: Any) -> dict[str, Any]:
        """SNS's Publish, with botocore's parameters and answer."""
        validate_parameters(parameters, _publish_model().input_shape)
        if self.access_key_id is not None:
            # The resource the guard authorizes a Publish request on (iam/requests.py `_sns`).
            resource = parameters.get("TopicArn") or parameters.get("TargetArn") or "*"
            refused = self.guard.denial(self.access_key_id, Permission("sns:Publish", resource))
            if refused is not None:
                raise _client_error("AuthorizationError", refused)
            seams.note_key_used(self.account_id, self.access_key_id, "sns", self.region)
        try:
            message_id = seams.publish_as_api(self.account_id, self.region, _as_sent(parameters))
        except seams.SnsApiError as error:
            raise _client_error(error.code, error.message) from error
        return {"MessageId": message_id, "ResponseMetadata": _metadata(200)}


def _as_sent(parameters: dict[str, Any]) -> dict[str, Any]:
    """The parameters as moto reads them from the request botocore sends: a BinaryValue (which
    a workflow gives as text) arrives as bytes."""
    attributes = parameters.get("MessageAttributes")
    if not attributes:
        return parameters
    sent = {name: _attribute_as_sent(value) for name, value in attributes.items()}
    return {**parameters, "MessageAttributes": sent}


def _attribute_as_sent(value: dict[str, Any]) -> dict[str, Any]:
    binary = value.get("BinaryValue")
    if isinstance(binary, str):  # botocore sends text's UTF-8 bytes, base64-encoded
        return {**value, "BinaryValue": binary.encode()}
    return value


def _client_error(code: str, message: str) -> ClientError:
    """The error botocore raises for SNS's error answer (query protocol, XML)."""
    response = {
        "Error": {"Type": "Sender", "Code": code, "Message": message},
        "ResponseMetadata": _metadata(_status_of(code)),
    }
    return ClientError(response, "Publish")


def _metadata(status: int) -> dict[str, Any]:
    request_id = str(uuid.uuid4())
    return {
        "RequestId": request_id,
        "HTTPStatusCode": status,
        "HTTPHeaders": {"x-amzn-requestid": request_id, "content-type": "text/xml"},
        "RetryAttempts": 0,
    }


@functools.cache
def _sns_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("sns")


def _publish_model() -> OperationModel:
    return _sns_model().operation_model("Publish")


@functools.cache
def _status_of(code: str) -> int:
    """The HTTP status SNS answers an error code with, from its model (400 if it has none)."""
    for shape in _sns_model().error_shapes:
        if shape.error_code == code:
            return shape.metadata.get("error", {}).get("httpStatusCode", 400)
    return 400
