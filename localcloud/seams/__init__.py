"""The one package that touches moto's internals, one module per service.

Everything the local cloud adds to moto (a Lambda runtime, logs and metrics written by the
platform itself, execution naming, ...) goes through the functions here, so a moto upgrade
that moves an internal breaks this package and `tests/localcloud/test_seams.py`, nowhere else.
moto is pinned in requirements.txt for that reason. Every replacement of a moto method goes
through `patching.replace`, which keeps moto's own implementation at hand.

Callers use `from localcloud import seams` and the names below.
"""

from localcloud.seams.apigateway import (
    api_key_by_value,
    find_rest_api,
    on_apigateway_deployment,
    rest_api_config,
    rest_api_deployment,
    rest_api_stage,
    usage_plans_of_key,
)
from localcloud.seams.awslambda import (
    TRACING_MODES,
    LambdaFunction,
    function_code_sha256,
    function_code_zip,
    function_layer_zips,
    function_revision,
    install_lambda_update_hooks,
    layer_code_zip,
)
from localcloud.seams.cloudwatch import (
    AlarmHooks,
    AlarmView,
    Datum,
    install_alarm_hooks,
    install_metric_data_hook,
    iter_alarms,
    metric_datums,
    put_metric_data,
    set_alarm_state,
)
from localcloud.seams.core import (
    ACCOUNT_ID,
    MOTO_VERSION,
    LambdaBackend,
    MotoRequestHandler,
    check_moto_version,
    configure_moto,
    lambda_backend,
    moto_wsgi_app,
)
from localcloud.seams.logs import put_log_events
from localcloud.seams.sns import (
    SNS_CONFIRMATION_PROTOCOLS,
    SNS_LOCAL_PROTOCOLS,
    SnsError,
    SnsHooks,
    SubscriptionView,
    install_sns_hooks,
    sns_confirm,
    sns_direct_sms,
    sns_notification_document,
    sns_publish,
    sns_subscriptions,
    sns_unsubscribe,
)
from localcloud.seams.stepfunctions import (
    ExecutionView,
    SfnClientError,
    execution_history,
    execution_tracing,
    install_state_task_trace,
    iter_executions,
    set_execution_trace_header,
    start_execution_and_wait,
    state_machine_logging,
)

__all__ = [
    "ACCOUNT_ID",
    "MOTO_VERSION",
    "SNS_CONFIRMATION_PROTOCOLS",
    "SNS_LOCAL_PROTOCOLS",
    "TRACING_MODES",
    "AlarmHooks",
    "AlarmView",
    "Datum",
    "ExecutionView",
    "LambdaBackend",
    "LambdaFunction",
    "MotoRequestHandler",
    "SfnClientError",
    "SnsError",
    "SnsHooks",
    "SubscriptionView",
    "api_key_by_value",
    "check_moto_version",
    "configure_moto",
    "execution_history",
    "execution_tracing",
    "find_rest_api",
    "function_code_sha256",
    "function_code_zip",
    "function_layer_zips",
    "function_revision",
    "install_alarm_hooks",
    "install_lambda_update_hooks",
    "install_metric_data_hook",
    "install_sns_hooks",
    "install_state_task_trace",
    "iter_alarms",
    "iter_executions",
    "lambda_backend",
    "layer_code_zip",
    "metric_datums",
    "moto_wsgi_app",
    "on_apigateway_deployment",
    "put_log_events",
    "put_metric_data",
    "rest_api_config",
    "rest_api_deployment",
    "rest_api_stage",
    "set_alarm_state",
    "set_execution_trace_header",
    "sns_confirm",
    "sns_direct_sms",
    "sns_notification_document",
    "sns_publish",
    "sns_subscriptions",
    "sns_unsubscribe",
    "start_execution_and_wait",
    "state_machine_logging",
    "usage_plans_of_key",
]
