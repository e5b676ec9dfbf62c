"""Build and deploy small test functions: zips made from source text, for the runtime tests."""

from __future__ import annotations

import io
import textwrap
import uuid
import zipfile

ROLE = "arn:aws:iam::123456789012:role/test-lambda-role"


def zip_of(files: dict[str, str]) -> bytes:
    """A deployment package holding `files` (name -> Python source, dedented)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, source in files.items():
            archive.writestr(name, textwrap.dedent(source))
    return buffer.getvalue()


def deploy(lambda_client, source: str, name: str | None = None, **config) -> str:  # noqa: ANN001
    """Create a function whose lambda_function.py is `source`; returns its name."""
    name = name or f"fn-{uuid.uuid4().hex[:10]}"
    lambda_client.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=ROLE,
        Handler=config.pop("Handler", "lambda_function.lambda_handler"),
        Code={"ZipFile": zip_of({"lambda_function.py": source})},
        **config,
    )
    return name
