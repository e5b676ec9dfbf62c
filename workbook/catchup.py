"""Catch up: find which earlier notebooks' resources are missing, and run those notebooks.

A learner may open notebook 04 on a fresh cloud (or after the cloud restarted and forgot
everything). Each step is checked by looking its resources up by name; missing steps are run
headless, from their own .ipynb files, so catching up does exactly what the notebooks do.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import boto3
from botocore.exceptions import ClientError

from workbook import headless, lookup, names, packaging, stack
from workbook.session import Session, WorkbookSetupError, cloud_confirms_email

# What each service calls "no such resource".
NOT_FOUND = {
    "ResourceNotFoundException",  # DynamoDB, Lambda
    "NotFound",  # SNS
    "NotFoundException",  # API Gateway
    "StateMachineDoesNotExist",  # Step Functions
}


@dataclass(frozen=True)
class Step:
    number: str
    builds: str
    done: Callable[[Session], bool]
    # Subscribes email addresses and waits until each is confirmed: run headless, nobody
    # would see the confirmation links, so the learner runs it unless the cloud confirms.
    subscribes_email: bool = False

    @property
    def notebook(self) -> str:
        return headless.notebook(self.number).name


def _exists(call: Callable[[], object]) -> bool:
    try:
        call()
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code in NOT_FOUND:
            return False
        raise
    return True


def _tables(s: Session) -> bool:
    dynamodb = boto3.client("dynamodb")
    tables = [t["TableName"] for t in stack.table_definitions(s.names)]
    return all(_exists(lambda t=t: dynamodb.describe_table(TableName=t)) for t in tables)


def _functions(s: Session) -> bool:
    lam = boto3.client("lambda")
    functions = [s.names.function_name(spec) for spec in stack.FUNCTIONS]
    return all(_exists(lambda f=f: lam.get_function(FunctionName=f)) for f in functions)


def _topic(s: Session) -> bool:
    sns = boto3.client("sns")
    return _exists(lambda: sns.get_topic_attributes(TopicArn=s.arns["TopicArn"]))


def _workflow(s: Session) -> bool:
    sfn = boto3.client("stepfunctions")
    return _exists(lambda: sfn.describe_state_machine(stateMachineArn=s.arns["StateMachineArn"]))


def _api(s: Session) -> bool:
    apigateway = boto3.client("apigateway")
    api_id = lookup.rest_api_id(apigateway, s.names.api)
    return api_id is not None and _exists(
        lambda: apigateway.get_stage(restApiId=api_id, stageName=names.STAGE)
    )


STEPS = [
    Step("01", "the tables", _tables),
    Step("02", "the functions", _functions),
    Step("03", "the topic", _topic, subscribes_email=True),
    Step("04", "the workflow", _workflow),
    Step("05", "the API", _api),
]


def missing_steps(session: Session, before: str) -> list[Step]:
    """The steps numbered below `before` whose resources are not all there."""
    return [step for step in STEPS if step.number < before and not step.done(session)]


def drifted_functions(session: Session) -> list[stack.FunctionSpec]:
    """The deployed functions whose code differs from their folder in `lambdas/`: a handler
    edited in the lab and not yet redeployed, or left broken by a run of 07 stopped half-way."""
    lam = boto3.client("lambda")
    drifted = []
    for spec in stack.FUNCTIONS:
        try:
            deployed = lam.get_function_configuration(
                FunctionName=session.names.function_name(spec)
            )
        except lam.exceptions.ResourceNotFoundException:
            continue
        if deployed["CodeSha256"] != packaging.code_sha256(packaging.function_zip(spec.folder)):
            drifted.append(spec)
    return drifted


def catch_up(session: Session, before: str) -> None:
    """Make sure what the notebooks before `before` build is there, and says so: run the
    missing steps' notebooks in order, headless, with this session's prefix; then redeploy
    any function whose code differs from `lambdas/`.

    Stops before a step that needs the learner to confirm email subscriptions (unless the
    local cloud plays the recipient), with WorkbookSetupError saying which notebook to open.
    """
    missing = missing_steps(session, before)
    env = {**os.environ, "WORKBOOK_PREFIX": session.prefix}
    confirms = any(step.subscribes_email for step in missing) and cloud_confirms_email(session)
    for step in missing:
        if step.subscribes_email and not confirms:
            raise WorkbookSetupError(
                f"Missing {step.builds}. {step.notebook} builds it: it subscribes email "
                "addresses and waits until you confirm each one, which a run in the "
                "background cannot show you. Open it, run it from the top and follow the "
                "links it asks you to; then come back and run this notebook again."
            )
        print(f"Missing {step.builds}: running {step.notebook} ...", flush=True)
        headless.run(headless.notebook(step.number), env=env)
    drifted = drifted_functions(session) if before > "02" else []
    for spec in drifted:
        print(f"{spec.suffix} runs code that differs from lambdas/{spec.folder}/: redeploying it.")
        _redeploy(session, spec)
    if not missing and not drifted:
        print("Earlier steps: all done.")


def _redeploy(session: Session, spec: stack.FunctionSpec) -> None:
    """What notebook 02's update cell does for one function."""
    lam = boto3.client("lambda")
    name = session.names.function_name(spec)
    lam.update_function_code(FunctionName=name, ZipFile=packaging.function_zip(spec.folder))
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
