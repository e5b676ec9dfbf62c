"""Names the workbook adds to the order service's (which live in workbook.stack).

The API's operator key and usage plan, its stage, the inline policy name of every role, and a
Standard copy of the workflow that notebook 04 uses to show an execution's history. All are
derived from the same prefix, so teardown finds them and learners do not collide.
"""

from __future__ import annotations

from workbook.stack import StackNames

STAGE = "Dev"  # the one stage the API is deployed to
# Each role has one inline policy; the role's name already says whose it is.
INLINE_POLICY = "permissions"


def admin_key(names: StackNames) -> str:
    """The API key operators send (X-Api-Key) to change an order's status."""
    return f"{names.prefix}-admin-key"


def admin_usage_plan(names: StackNames) -> str:
    """The usage plan that lets the admin key call the API's stage, with its rate limits."""
    return f"{names.prefix}-admin-plan"


def history_twin(names: StackNames) -> str:
    """A STANDARD state machine with the workflow's definition: Standard executions keep a
    history GetExecutionHistory returns; the Express one the API uses keeps none."""
    return f"{names.state_machine}-Standard"
