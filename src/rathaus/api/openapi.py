"""The OpenAPI 3.1 document, assembled from the endpoint declarations and the pydantic models.

``rathaus api_schema > src/rathaus/api/openapi.json`` writes it; a test compares the committed
file with the generated one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .framework import ENDPOINTS, SLASHED_PARAMS, Endpoint
from .schemas import Problem

COMMITTED = Path(__file__).resolve().parent / "openapi.json"
REF = "#/components/schemas/{model}"

TAG_DESCRIPTIONS = {
    "Anmeldung": "OAuth2 Client Credentials: kurzlebige Zugriffstokens.",
    "Leistungen": "Die Leistungen der Kommune und ihre Definitionen.",
    "Vorgänge": "Vorgänge lesen und bearbeiten – wie im Backoffice.",
    "Dokumente": "Dokumente der elektronischen Akte.",
    "Webhooks": "Ereignisse als signierte CloudEvents an Ihr System.",
    "Eingang": "Anträge aus anderen Portalen (auch FIT-Connect-artig, verschlüsselt).",
}


def _models() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = [Problem]
    for ep in ENDPOINTS:
        for model in (ep.body, ep.response, ep.form_body):
            if model is not None and model not in found:
                found.append(model)
    return found


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}},
    }


ERROR_TEXT = {
    400: "Fehlerhafte Anfrage (kein gültiges JSON …)",
    401: "Nicht angemeldet, Token abgelaufen oder ungültig",
    403: "Berechtigung (Scope) fehlt",
    404: "Nicht gefunden (auch: andere Kommune)",
    405: "Methode nicht erlaubt",
    409: "Konflikt (Statusübergang nicht möglich, Idempotency-Key wiederverwendet)",
    412: "Der Vorgang wurde inzwischen geändert (If-Match)",
    413: "Anfrage oder Datei zu groß",
    415: "Medientyp nicht unterstützt",
    422: "Ungültige Angaben",
    428: "If-Match fehlt",
}


def _operation(ep: Endpoint, names: dict[type[BaseModel], str]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": ep.operation_id,
        "summary": ep.summary,
        "tags": [ep.tag],
    }
    if ep.description:
        op["description"] = ep.description
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _path_params(ep.path)
    ]
    for parameter in parameters:
        if parameter["name"] in SLASHED_PARAMS:
            parameter["description"] = (
                "Aktenzeichen des Vorgangs; ein „/“ darin wird als %2F übertragen."
            )
    parameters += [
        {
            "name": q.name,
            "in": "query",
            "required": False,
            "schema": q.schema,
            "description": q.description,
        }
        for q in ep.query
    ]
    if ep.if_match != "none":
        parameters.append(
            {
                "name": "If-Match",
                "in": "header",
                "required": ep.if_match == "required",
                "schema": {"type": "string", "pattern": '^"[0-9]{1,9}"$'},
                "description": 'Version des Vorgangs als ETag, z. B. "3"',
            }
        )
    if ep.method == "POST" and ep.auth:
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 200},
                "description": "Gleicher Schlüssel und Inhalt: die erste Antwort wird wiederholt",
            }
        )
    if parameters:
        op["parameters"] = parameters
    if ep.body is not None:
        content: dict[str, Any] = {
            "application/json": {"schema": {"$ref": REF.format(model=names[ep.body])}}
        }
        if ep.multipart:
            content["multipart/form-data"] = {"schema": _multipart_schema(ep, names)}
        if ep.raw_types:
            for media in ep.raw_types:
                content[media] = {"schema": {"type": "string", "description": "JWE Compact"}}
        op["requestBody"] = {"required": True, "content": content}
    elif ep.form_body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {"$ref": REF.format(model=names[ep.form_body])}
                }
            },
        }
    responses: dict[str, Any] = {}
    if ep.binary:
        responses[str(ep.status)] = {
            "description": "Inhalt",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    elif ep.response is not None:
        ok: dict[str, Any] = {
            "description": "Erfolg",
            "content": {
                "application/json": {"schema": {"$ref": REF.format(model=names[ep.response])}}
            },
        }
        if ep.path.startswith("/cases/{reference}") and ep.response.__name__ == "CaseDetail":
            ok["headers"] = {"ETag": {"schema": {"type": "string"}, "description": "Version"}}
        responses[str(ep.status)] = ok
    else:
        responses[str(ep.status)] = {"description": "Erfolg"}
    codes = set(ep.errors)
    if ep.auth:
        codes |= {401, 404}
        if ep.scope:
            codes.add(403)
    if ep.method == "POST" and ep.auth:
        codes |= {409, 400, 413, 415, 422}
    if ep.method in ("POST", "PATCH"):
        codes |= {400, 413, 415, 422}
    if ep.if_match != "none":
        codes.add(412)
    if ep.if_match == "required":
        codes.add(428)
    if ep.query:
        codes.add(422)
    codes.add(405)
    for code in sorted(codes):
        responses[str(code)] = _problem(ERROR_TEXT.get(code, "Fehler"))
    op["responses"] = responses
    if ep.auth:
        op["security"] = [
            {"oauth2": [ep.scope] if ep.scope else []},
            {"apiKey": []},
            {"bearerKey": []},
        ]
    else:
        op["security"] = []
    return op


def _multipart_schema(ep: Endpoint, names: dict[type[BaseModel], str]) -> dict[str, Any]:
    assert ep.body is not None and ep.multipart is not None
    properties: dict[str, Any] = {}
    for name, field in ep.body.model_fields.items():
        if name in ("content_base64", "notice"):
            continue
        properties[name] = {"type": "boolean"} if field.annotation is bool else {"type": "string"}
    for part in ep.multipart:
        properties[part] = {"type": "string", "format": "binary"}
    return {"type": "object", "properties": properties}


def _path_params(path: str) -> list[str]:
    import re

    return re.findall(r"\{(\w+)\}", path)


def openapi_document() -> dict[str, Any]:
    from . import views  # noqa: F401 - registers the endpoints

    models = _models()
    mapping, top = models_json_schema(
        [(m, "validation") for m in models], ref_template=REF, by_alias=True
    )
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    names: dict[type[BaseModel], str] = {}
    for model in models:
        ref = mapping[(model, "validation")]["$ref"]
        names[model] = ref.rsplit("/", 1)[1]
    paths: dict[str, Any] = {}
    for ep in ENDPOINTS:
        paths.setdefault("/api/v1" + ep.path, {})[ep.method.lower()] = _operation(ep, names)
    tags = [{"name": name, "description": text} for name, text in TAG_DESCRIPTIONS.items()]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Rathaus API",
            "version": "1.0.0",
            "description": (
                "Schnittstelle für Fachverfahren: Vorgänge lesen und bearbeiten, Dokumente, "
                "Webhooks (CloudEvents, HMAC-signiert) und Antragseingang aus anderen Portalen. "
                "Fehler: application/problem+json mit stabilem `code`. Anleitung: docs/api.md."
            ),
        },
        "servers": [{"url": "/"}],
        "tags": tags,
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                "oauth2": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": "/api/v1/oauth/token",
                            "scopes": {
                                "cases:read": "Vorgänge, Dokumente und Verlauf lesen",
                                "cases:write": "Übernehmen, Status ändern, Rückfragen, Notizen",
                                "cases:decide": "Entscheiden und Bescheid erlassen",
                                "documents:write": "Dokumente zur Akte nehmen",
                                "events:subscribe": "Ereignisse abonnieren (Webhooks)",
                                "intake:submit": "Anträge aus anderen Portalen einreichen",
                            },
                        }
                    },
                },
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "bearerKey": {"type": "http", "scheme": "bearer"},
            },
        },
    }


def openapi_text() -> str:
    return json.dumps(openapi_document(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def reference_context(document: dict[str, Any]) -> dict[str, Any]:
    """Operations grouped by tag, for the server-rendered reference page."""
    groups: dict[str, list[dict[str, Any]]] = {tag["name"]: [] for tag in document["tags"]}
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {})
            groups.setdefault(op["tags"][0], []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    "id": op["operationId"],
                    "summary": op["summary"],
                    "description": op.get("description", ""),
                    "scope": ", ".join(
                        s for sec in op.get("security", []) for s in sec.get("oauth2", [])
                    ),
                    "parameters": op.get("parameters", []),
                    "body": [
                        {"media": media, "ref": spec["schema"].get("$ref", "").rsplit("/", 1)[-1]}
                        for media, spec in body.items()
                    ],
                    "responses": [
                        {
                            "status": status,
                            "description": spec.get("description", ""),
                            "ref": _response_ref(spec),
                        }
                        for status, spec in op["responses"].items()
                    ],
                }
            )
    schemas = []
    for name, schema in document["components"]["schemas"].items():
        required = set(schema.get("required", []))
        schemas.append(
            {
                "name": name,
                "description": schema.get("description", ""),
                "fields": [
                    {
                        "name": field,
                        "type": _type_label(spec),
                        "required": field in required,
                        "description": spec.get("description", ""),
                    }
                    for field, spec in schema.get("properties", {}).items()
                ],
                "enum": schema.get("enum"),
            }
        )
    return {
        "info": document["info"],
        "groups": [
            {
                "name": name,
                "description": dict((t["name"], t["description"]) for t in document["tags"]).get(
                    name, ""
                ),
                "operations": ops,
            }
            for name, ops in groups.items()
            if ops
        ],
        "schemas": schemas,
    }


def _response_ref(spec: dict[str, Any]) -> str:
    for media in spec.get("content", {}).values():
        return str(media.get("schema", {}).get("$ref", "")).rsplit("/", 1)[-1]
    return ""


def _type_label(spec: dict[str, Any]) -> str:
    if "$ref" in spec:
        return str(spec["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in spec:
        return " | ".join(_type_label(s) for s in spec["anyOf"])
    if "enum" in spec:
        return " | ".join(json.dumps(v) for v in spec["enum"])
    if "const" in spec:
        return json.dumps(spec["const"])
    kind = spec.get("type", "any")
    if kind == "array":
        return f"array[{_type_label(spec.get('items', {}))}]"
    if spec.get("format"):
        return f"{kind} ({spec['format']})"
    return str(kind)
