# 02-2: InventoryCheckFunction logs every event it receives (Powertools' Logger does when
# POWERTOOLS_LOGGER_LOG_EVENT is true). `Environment` replaces all of a function's variables,
# so the new one joins those it has.
import boto3

lam = boto3.client("lambda")
name = s.names.inventory_check_function
variables = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
lam.update_function_configuration(
    FunctionName=name,
    Environment={"Variables": {**variables, "POWERTOOLS_LOGGER_LOG_EVENT": "true"}},
)
lam.get_waiter("function_updated_v2").wait(FunctionName=name)
lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
