"""One validation: the request models API Gateway checks bodies with are the files the
handlers check them with, so the gateway and the function cannot disagree about a body."""

import io
import json
import zipfile

import jsonschema
import nbformat
import pytest

from workbook import stack
from workbook.packaging import function_zip

# Each model, the function that serves its request, and that request's event in events/.
SERVED_BY = {
    "NewOrder": ("order_service", "post_orders"),
    "NewUser": ("user_service", "post_users"),
}

ORDER = {"userId": "u-1", "itemId": "Headlight", "quantity": 1}
USER = {"name": "Learner", "email": "learner@example.com"}
# Bodies at and around every rule of each model. The handler sees what API Gateway let through
# on AWS, but a test client (or a misconfigured method) can reach it directly: it must refuse
# exactly what the model refuses.
BODIES = {
    "NewOrder": [
        ORDER,
        {**ORDER, "quantity": 1000},
        {**ORDER, "userId": "u" * 64},
        {**ORDER, "quantity": 0},
        {**ORDER, "quantity": 1001},
        {**ORDER, "quantity": 1.5},
        {**ORDER, "quantity": 2.0},
        {**ORDER, "quantity": "1"},
        {**ORDER, "quantity": True},
        {**ORDER, "quantity": None},
        {**ORDER, "userId": ""},
        {**ORDER, "itemId": "i" * 65},
        {**ORDER, "userId": ["u-1"]},
        {**ORDER, "price": 0},
        {"itemId": "Headlight", "quantity": 1},
        {"userId": "u-1", "quantity": 1},
        {"userId": "u-1", "itemId": "Headlight"},
        [ORDER],
        "order",
    ],
    "NewUser": [
        USER,
        {"name": " Ada Lovelace ", "email": "Ada.Lovelace+shop@Example.co.uk"},
        {"name": "x" * 100, "email": "x@example.com"},
        {**USER, "name": ""},
        {**USER, "name": "   "},
        {**USER, "name": "x" * 101},
        {**USER, "name": "Bell\u0007"},
        {**USER, "name": "Two\nlines"},
        {**USER, "name": 42},
        {**USER, "email": "not-an-email"},
        {**USER, "email": "a@b"},
        {**USER, "email": "two words@example.com"},
        {**USER, "email": "a" * 65 + "@example.com"},
        {**USER, "email": "a@" + "b" * 60 + "." + "c" * 60 + "." + "d" * 130},
        {**USER, "admin": True},
        {"name": "Learner"},
        {"email": "learner@example.com"},
        None,
    ],
}


def test_every_model_is_a_draft_4_schema_in_the_zip_of_the_function_it_serves():
    models = stack.request_models()
    assert sorted(models) == sorted(SERVED_BY)
    for name, path in models.items():
        folder, _ = SERVED_BY[name]
        document = json.loads(path.read_text())
        jsonschema.Draft4Validator.check_schema(document)  # what API Gateway accepts
        assert document["$schema"] == "http://json-schema.org/draft-04/schema#"
        package = zipfile.ZipFile(io.BytesIO(function_zip(folder)))
        assert package.read(f"schemas/{name}.json") == path.read_bytes()


def test_notebook_05_uploads_the_model_files_and_defines_no_schema_of_its_own():
    notebook = nbformat.read(stack.REPO_ROOT / "notebooks" / "05-create-the-api.ipynb", 4)
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "stack.request_models()" in code and "apigw.create_model(" in code
    assert not any(rule in code for rule in ("minLength", "minimum", "additionalProperties"))


@pytest.mark.parametrize("model", sorted(SERVED_BY))
def test_the_handler_loads_the_model_file(load_app, model):
    folder, _ = SERVED_BY[model]
    loaded = getattr(load_app(folder), f"NEW_{model.removeprefix('New').upper()}")
    assert loaded == json.loads(stack.request_models()[model].read_text())


@pytest.mark.parametrize(
    ("model", "body"),
    [(model, body) for model, bodies in BODIES.items() for body in bodies],
    ids=lambda value: json.dumps(value)[:40] if not isinstance(value, str) else value,
)
def test_the_handler_refuses_exactly_what_the_model_refuses(
    load_app, event, answer, context, model, body
):
    """The gateway's verdict as the local cloud's API Gateway reaches it (jsonschema, draft 4);
    the handler's is a 400 or not (an accepted order then fails on its unknown user: 404)."""
    folder, request = SERVED_BY[model]
    schema = json.loads(stack.request_models()[model].read_text())
    gateway_accepts = jsonschema.Draft4Validator(schema).is_valid(body)
    app = load_app(folder)
    status, answered = answer(app.lambda_handler(event(request, body=body), context))
    assert (status != 400) == gateway_accepts, answered
    if not gateway_accepts:
        assert answered["message"]  # a sentence naming the rule, not a bare 400
