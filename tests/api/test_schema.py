"""The OpenAPI schema is complete and valid, and its interactive docs load only local assets."""

import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

METHODS = {"get", "put", "patch", "post", "delete"}


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_spectacular_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    # --fail-on-warn turns any warning (an unresolvable field, an enum collision) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.read_text().startswith("openapi: 3.0.3")


def test_every_path_is_versioned(schema):
    assert schema["paths"]
    assert all(path.startswith("/api/v1/") for path in schema["paths"])


def test_every_operation_documents_its_bodies_and_errors(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            responses = operation["responses"]
            success = [code for code in responses if code.startswith("2")]
            assert success, where
            if method != "delete":
                assert responses[success[0]].get("content"), where
            if method in ("post", "put", "patch") and not path.endswith("/unpublish/"):
                assert operation["requestBody"]["content"]["application/json"]["schema"], where
            for code in ("400", "401", "404", "429"):
                assert responses[code]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }, f"{where} {code}"
            assert "Retry-After" in responses["429"]["headers"], where


def test_auth_schemes_cookie_token_and_bearer(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["cookieAuth"] == {"type": "apiKey", "in": "cookie", "name": "sessionid"}
    assert schemes["tokenAuth"]["type"] == "apiKey"
    assert schemes["tokenAuth"]["name"] == "Authorization"
    assert schemes["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": 'The same personal API token, sent as "Bearer <key>".',
    }
    me = schema["paths"]["/api/v1/me/"]["get"]
    assert me["security"] == [{"tokenAuth": []}, {"bearerAuth": []}, {"cookieAuth": []}]
    # Public reads may also be anonymous.
    assert {} in schema["paths"]["/api/v1/roadmaps/"]["get"]["security"]


def test_enums_are_named_and_complete(schema):
    components = schema["components"]["schemas"]
    assert components["TopicStateEnum"]["enum"] == ["not_started", "learning", "done", "skipped"]
    assert components["TierEnum"]["enum"] == ["beginner", "intermediate", "advanced"]
    assert components["ProjectVisibilityEnum"]["enum"] == ["draft", "unlisted", "public"]
    assert components["Error"]["required"] == ["error"]


def test_docs_page_uses_local_assets_and_no_inline_script(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts
    for attributes, body in scripts:
        assert 'src="' in attributes
        assert not body.strip()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert all(not s.startswith(("http:", "https:", "//")) for s in sources), sources
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in s for s in sources)
    assert any(s.startswith("/api/docs/?script") for s in sources)

    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "javascript" in script["Content-Type"]
    assert "/api/schema/" in script.content.decode()
