"""moto's version, its configuration switches and its WSGI application."""

from __future__ import annotations

import moto
from moto.awslambda.models import LambdaBackend
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.base_backend import BackendDict
from moto.core.config import default_user_config
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

MOTO_VERSION = "5.2.5"
ACCOUNT_ID: str = DEFAULT_ACCOUNT_ID

__all__ = [
    "ACCOUNT_ID",
    "MOTO_VERSION",
    "LambdaBackend",
    "MotoRequestHandler",  # the server's request handler, as moto_server uses it
    "check_moto_version",
    "configure_moto",
    "lambda_backend",
    "moto_wsgi_app",
]


def check_moto_version() -> None:
    """Refuse to run on a moto other than the one these seams were written against."""
    if moto.__version__ != MOTO_VERSION:
        raise RuntimeError(
            f"localcloud was written against moto {MOTO_VERSION} but moto {moto.__version__} is "
            "installed. Run `make install` (or pip install -r requirements.txt) to get the pinned "
            "version, or update localcloud/seams/ and its tests for the new one."
        )


def configure_moto(lambda_backend_class: type[LambdaBackend]) -> None:
    """Switch on moto's Step Functions interpreter and swap in our Lambda backend.

    moto picks its Lambda backend in `moto.awslambda.utils.get_backend`: with
    `use_docker: False` it serves `moto.awslambda_simple.models.lambda_simple_backends`, the
    extension seam moto itself uses for a Docker-free Lambda. We install our own BackendDict
    there, so every caller (the Lambda API, Step Functions, SNS) reaches our `invoke`.
    """
    import moto.awslambda_simple.models as simple

    default_user_config["lambda"] = {"use_docker": False}
    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    simple.lambda_simple_backends = BackendDict(lambda_backend_class, "lambda")


def lambda_backend(account_id: str, region: str) -> LambdaBackend:
    """The Lambda backend moto serves for an account and region (ours, once configured)."""
    from moto.awslambda.utils import get_backend

    return get_backend(account_id, region)


def moto_wsgi_app() -> DomainDispatcherApplication:
    """moto's own server application, as `moto_server` builds it."""
    return DomainDispatcherApplication(create_backend_app)
