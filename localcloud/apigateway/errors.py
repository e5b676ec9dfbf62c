"""The error answers API Gateway gives before (or instead of) an integration's own answer."""

from __future__ import annotations


class GatewayError(Exception):
    """An answer of API Gateway itself: status, `x-amzn-ErrorType` and `{"message": ...}`."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


def missing_authentication_token() -> GatewayError:
    # AWS answers an unknown resource or method this way, not with 404.
    return GatewayError(403, "MissingAuthenticationTokenException", "Missing Authentication Token")


def forbidden() -> GatewayError:
    return GatewayError(403, "ForbiddenException", "Forbidden")


def too_many_requests() -> GatewayError:
    return GatewayError(429, "TooManyRequestsException", "Too Many Requests")


def limit_exceeded() -> GatewayError:
    return GatewayError(429, "LimitExceededException", "Limit Exceeded")


def invalid_body() -> GatewayError:
    return GatewayError(400, "BadRequestException", "Invalid request body")


def missing_parameters(names: list[str]) -> GatewayError:
    return GatewayError(
        400, "BadRequestException", f"Missing required request parameters: [{', '.join(names)}]"
    )


def unsupported_media_type() -> GatewayError:
    return GatewayError(415, "UnsupportedMediaTypeException", "Unsupported Media Type")


def bad_gateway() -> GatewayError:
    """A Lambda function error or a malformed proxy response."""
    return GatewayError(502, "InternalServerErrorException", "Internal server error")


def configuration_error() -> GatewayError:
    """What AWS answers for "Execution failed due to configuration error" (details: the log)."""
    return GatewayError(500, "InternalServerErrorException", "Internal server error")


def not_deployed(api_id: str, stage: str) -> GatewayError:
    # The local cloud's own answer: AWS gives 403 "Forbidden", which hides the usual mistake.
    return GatewayError(
        404,
        "NotFoundException",
        f"Stage {stage} of API {api_id} is not deployed: create a deployment",
    )


def unknown_api(api_id: str) -> GatewayError:
    return GatewayError(
        404, "NotFoundException", f"No REST API with id {api_id} exists in this local cloud"
    )
