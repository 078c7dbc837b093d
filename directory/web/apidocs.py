# SPDX-License-Identifier: Apache-2.0
"""``GET /api/docs``: the API documented in plain HTML, read from the OpenAPI document.

No Swagger UI and no script: each operation gets a heading, a table of its
parameters, its responses, and examples as ``curl`` lines with a link to try
them. Everything shown comes from ``openapi.build_openapi``, so the page and
the document cannot disagree.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from .openapi import document_for
from .rendering import render

__all__ = ["api_docs", "describe_schema"]

_REF = "#/components/schemas/"
_TYPES = {
    "string": "texte",
    "integer": "nombre entier",
    "number": "nombre décimal",
    "boolean": "booléen",
    "object": "objet",
    "array": "liste",
    "null": "null",
}
_FORMATS = {"date": "date AAAA-MM-JJ", "date-time": "date et heure ISO 8601", "uri": "adresse web"}


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def describe_schema(schema: dict[str, Any]) -> str:
    """A short French description of a JSON Schema's type: « nombre entier de 1 à 100 »."""
    if "$ref" in schema:
        return schema["$ref"].removeprefix(_REF)
    if "anyOf" in schema:
        kinds = [describe_schema(s) for s in schema["anyOf"]]
        return " ou ".join(dict.fromkeys(kinds))
    if "const" in schema:
        return "chaîne vide" if schema["const"] == "" else repr(schema["const"])
    kind = schema.get("type")
    if kind == "array":
        if "prefixItems" in schema:
            return "liste [" + ", ".join(describe_schema(s) for s in schema["prefixItems"]) + "]"
        items = schema.get("items", {})
        return "liste de codes" if "enum" in items else f"liste ({describe_schema(items)})"
    if "enum" in schema:
        return "un code de la liste"
    text = _FORMATS.get(schema.get("format", ""), _TYPES.get(kind, "valeur") if isinstance(kind, str) else "valeur")
    if "minimum" in schema and "maximum" in schema:
        text += f" de {_number(schema['minimum'])} à {_number(schema['maximum'])}"
    elif "minimum" in schema:
        text += f" d'au moins {_number(schema['minimum'])}"
    if "maxLength" in schema:
        text += f", {schema['maxLength']} caractères au plus"
    return text


@dataclass
class Parameter:
    name: str
    where: str
    kind: str
    required: bool
    description: str
    default: Any = None
    codes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Example:
    summary: str
    href: str
    curl: str


@dataclass
class ResponseDoc:
    status: str
    description: str
    media_types: list[str]
    schema: str | None


@dataclass
class Operation:
    anchor: str
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Parameter]
    responses: list[ResponseDoc]
    examples: list[Example]


@dataclass
class SchemaDoc:
    name: str
    description: str
    properties: list[tuple[str, str, str, bool]]  # name, type, description, required


_WHERE = {"query": "requête", "path": "chemin"}


def _parameter(param: dict[str, Any]) -> Parameter:
    schema = param["schema"]
    enum_schema = schema.get("items", schema) if schema.get("type") == "array" else schema
    labels = enum_schema.get("x-enumDescriptions", {})
    codes = [(code, labels.get(code, "")) for code in enum_schema.get("enum", [])]
    return Parameter(
        name=param["name"],
        where=_WHERE.get(param["in"], param["in"]),
        kind=describe_schema(schema),
        required=param.get("required", False),
        description=param.get("description", ""),
        default=schema.get("default"),
        codes=codes,
    )


def _response(status: str, response: dict[str, Any]) -> ResponseDoc:
    content = response.get("content", {})
    schema = next((c["schema"] for c in content.values() if "$ref" in c.get("schema", {})), None)
    return ResponseDoc(
        status, response["description"], list(content), schema["$ref"].removeprefix(_REF) if schema else None
    )


def _example(base: str, example: dict[str, Any]) -> Example:
    query = urlencode(example["query"])
    href = example["path"] + (f"?{query}" if query else "")
    return Example(example["summary"], href, f"curl {shlex.quote(base + href)}")


def operations(document: dict[str, Any], base: str) -> list[tuple[dict[str, str], list[Operation]]]:
    """The operations grouped under the document's tags, in the tags' order."""
    groups: dict[str, list[Operation]] = {tag["name"]: [] for tag in document["tags"]}
    for path, item in document["paths"].items():
        for method, op in item.items():
            groups[op["tags"][0]].append(
                Operation(
                    anchor=op["operationId"],
                    method=method.upper(),
                    path=path,
                    summary=op["summary"],
                    description=op["description"],
                    parameters=[_parameter(p) for p in op.get("parameters", [])],
                    responses=[_response(status, r) for status, r in op["responses"].items()],
                    examples=[_example(base, e) for e in op.get("x-exemples", [])],
                )
            )
    return [(tag, groups[tag["name"]]) for tag in document["tags"] if groups[tag["name"]]]


def schema_docs(document: dict[str, Any]) -> list[SchemaDoc]:
    docs = []
    for name, schema in document["components"]["schemas"].items():
        required = set(schema.get("required", []))
        properties = [
            (prop, describe_schema(sub), sub.get("description", ""), prop in required)
            for prop, sub in schema.get("properties", {}).items()
        ]
        docs.append(SchemaDoc(name, schema.get("description", schema.get("title", "")), properties))
    return docs


def api_docs(request: Request) -> Response:
    """``GET /api/docs``: the documentation page."""
    document = document_for(request)
    base = document["servers"][0]["url"]
    context = {
        "info": document["info"],
        "base": base,
        "groups": operations(document, base),
        "schemas": schema_docs(document),
    }
    return render(request, "api_docs.html", context)
