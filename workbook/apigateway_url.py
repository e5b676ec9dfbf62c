"""The invoke URL of a deployed API Gateway stage, on the local cloud or on AWS.

On AWS a stage is served at https://<api>.execute-api.<region>.amazonaws.com/<stage>; the
local cloud serves it at <endpoint>/restapis/<api>/<stage>/_user_request_. It answers every
service on one address and port, so it cannot tell APIs apart by host name: the API and stage
go in the path, and since `/restapis/<api>/...` is also where API Gateway's management API
lives (GET /restapis/<api>/stages is GetStages), `_user_request_` marks where a request to the
API itself begins. Append the resource path to either, e.g. url + "/orders".
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit


def stage_url(
    api_id: str, stage: str, region: str | None = None, *, endpoint_url: str | None = None
) -> str:
    """The stage's base URL, without a trailing slash.

    `endpoint_url` is where API Gateway calls go (pass `client.meta.endpoint_url`); without it,
    AWS_ENDPOINT_URL_API_GATEWAY or AWS_ENDPOINT_URL, as boto3 reads them. An endpoint
    that is not an amazonaws.com host is taken to be the local cloud.
    """
    endpoint = (
        endpoint_url
        or os.environ.get("AWS_ENDPOINT_URL_API_GATEWAY")
        or os.environ.get("AWS_ENDPOINT_URL")
    )
    if endpoint and not _is_aws(endpoint):
        return f"{endpoint.rstrip('/')}/restapis/{api_id}/{stage}/_user_request_"
    region = (
        region
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or "us-east-1"
    )
    return f"https://{api_id}.execute-api.{region}.amazonaws.com/{stage}"


def _is_aws(endpoint: str) -> bool:
    host = urlsplit(endpoint).hostname or ""
    return host.endswith((".amazonaws.com", ".amazonaws.com.cn"))
