"""API Gateway REST invoke URLs served by the local cloud (moto stores APIs but serves none).

`http://<host>:<port>/restapis/<apiId>/<stage>/_user_request_/<path>` answers with what was
deployed to that stage. One module per job: `request` (parsing the URL), `routing`,
`keys` (API keys, usage plans, throttling), `validation`, `proxy` (Lambda proxy event and
response), `integrations` (calling Lambda, Step Functions, MOCK), `mapping` and `templates`
(non-proxy request/response mapping), `telemetry` (access log, metrics), `app` (the pipeline).
See docs/apigateway.md.
"""

from localcloud.apigateway.app import InvokeApp
from localcloud.apigateway.request import is_invoke_path

__all__ = ["InvokeApp", "is_invoke_path"]
