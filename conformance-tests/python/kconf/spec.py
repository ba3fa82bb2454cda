"""The Jellyfin 10.11.11 OpenAPI document: operations by method + path, and JSON Schemas.

Request paths are matched to spec operations case-insensitively, templates like
`/Items/{itemId}` matching any one segment (literal templates win over templated ones).
Legacy routes that 10.11 serves but hides from the spec (CLIENT-CONTRACT.md section 6) map to
the operation of their modern equivalent, whose response schema they share.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

SPEC_URI = "urn:jellyfin-openapi-10.11.11"
JSON_TYPES = ("application/json",)

# (method, legacy path, method, modern path) from CLIENT-CONTRACT.md section 6.
LEGACY_ROUTES = [
    ("GET", "/Users/{userId}/Items", "GET", "/Items"),
    ("GET", "/Users/{userId}/Items/Resume", "GET", "/UserItems/Resume"),
    ("GET", "/Users/{userId}/Items/Latest", "GET", "/Items/Latest"),
    ("GET", "/Users/{userId}/Items/Root", "GET", "/Items/Root"),
    ("GET", "/Users/{userId}/Items/{itemId}", "GET", "/Items/{itemId}"),
    ("GET", "/Users/{userId}/Items/{itemId}/UserData", "GET", "/UserItems/{itemId}/UserData"),
    ("POST", "/Users/{userId}/Items/{itemId}/UserData", "POST", "/UserItems/{itemId}/UserData"),
    ("GET", "/Users/{userId}/Items/{itemId}/Intros", "GET", "/Items/{itemId}/Intros"),
    ("GET", "/Users/{userId}/Items/{itemId}/LocalTrailers", "GET", "/Items/{itemId}/LocalTrailers"),
    ("GET", "/Users/{userId}/Items/{itemId}/SpecialFeatures", "GET",
     "/Items/{itemId}/SpecialFeatures"),
    ("POST", "/Users/{userId}/Items/{itemId}/Rating", "POST", "/UserItems/{itemId}/Rating"),
    ("DELETE", "/Users/{userId}/Items/{itemId}/Rating", "DELETE", "/UserItems/{itemId}/Rating"),
    ("POST", "/Users/{userId}/PlayedItems/{itemId}", "POST", "/UserPlayedItems/{itemId}"),
    ("DELETE", "/Users/{userId}/PlayedItems/{itemId}", "DELETE", "/UserPlayedItems/{itemId}"),
    ("POST", "/Users/{userId}/FavoriteItems/{itemId}", "POST", "/UserFavoriteItems/{itemId}"),
    ("DELETE", "/Users/{userId}/FavoriteItems/{itemId}", "DELETE", "/UserFavoriteItems/{itemId}"),
    ("POST", "/Users/{userId}/PlayingItems/{itemId}", "POST", "/PlayingItems/{itemId}"),
    ("POST", "/Users/{userId}/PlayingItems/{itemId}/Progress", "POST",
     "/PlayingItems/{itemId}/Progress"),
    ("DELETE", "/Users/{userId}/PlayingItems/{itemId}", "DELETE", "/PlayingItems/{itemId}"),
    ("GET", "/Users/{userId}/Views", "GET", "/UserViews"),
    ("GET", "/Users/{userId}/GroupingOptions", "GET", "/UserViews/GroupingOptions"),
    ("GET", "/Users/{userId}/Suggestions", "GET", "/Items/Suggestions"),
    ("GET", "/Users/{userId}/Images/{imageType}", "GET", "/UserImage"),
    ("GET", "/Users/{userId}/Images/{imageType}/{imageIndex}", "GET", "/UserImage"),
    ("POST", "/Users/{userId}/Authenticate", "POST", "/Users/AuthenticateByName"),
    ("POST", "/Users/{userId}/Password", "POST", "/Users/Password"),
    ("POST", "/Users/{userId}/Configuration", "POST", "/Users/Configuration"),
    ("POST", "/Users/{userId}", "POST", "/Users"),
    ("GET", "/QuickConnect/Initiate", "POST", "/QuickConnect/Initiate"),
]


@dataclass
class Operation:
    method: str
    path: str  # the spec template, e.g. /Items/{itemId}
    operation_id: str
    raw: dict
    responses: dict = field(default_factory=dict)  # "200" -> JSON schema (translated) or None
    content_types: dict = field(default_factory=dict)  # "200" -> declared media types

    @property
    def label(self) -> str:
        return f"{self.method} {self.path} ({self.operation_id})"

    def parameters(self, where: str) -> list:
        return [p for p in self.raw.get("parameters", []) if p.get("in") == where]

    @property
    def anonymous(self) -> bool:
        return not self.raw.get("security")


@dataclass
class Match:
    operation: Operation
    requested_as: Optional[str] = None  # the legacy template when a legacy route matched


def _template_regex(template: str) -> re.Pattern:
    out, pos = "^", 0
    for m in re.finditer(r"\{([^}]+)\}", template):
        out += re.escape(template[pos:m.start()]) + "[^/]+?"
        pos = m.end()
    out += re.escape(template[pos:]) + "$"
    return re.compile(out, re.IGNORECASE)


def _specificity(template: str):
    params = len(re.findall(r"\{[^}]+\}", template))
    literal = len(re.sub(r"\{[^}]+\}", "", template))
    return (params, -literal)


# --- OpenAPI 3.0 schema -> JSON Schema (2020-12) --------------------------------------------

_DROP = {"nullable", "discriminator", "readOnly", "writeOnly", "deprecated", "example", "xml",
         "externalDocs"}


def translate(schema):
    """OpenAPI 3.0 schema object -> JSON Schema.

    `nullable: true` becomes `anyOf: [{type: null}, <schema>]` (it also admits null where an
    `enum` or an `allOf: [$ref]` would not); `$ref` siblings are dropped as 3.0 ignores them;
    local `#/components/...` references point into the registered spec resource."""
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in _DROP:
            continue
        if key == "properties":
            out[key] = {name: translate(sub) for name, sub in value.items()}
        elif key in ("items", "not") or (key == "additionalProperties" and isinstance(value, dict)):
            out[key] = translate(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [translate(sub) for sub in value]
        elif key == "$ref":
            out[key] = SPEC_URI + value if value.startswith("#") else value
        else:
            out[key] = value
    if "$ref" in out:
        out = {"$ref": out["$ref"]}
    if schema.get("nullable"):
        return {"anyOf": [{"type": "null"}, out]}
    return out


def is_nullable_wrapper(schema) -> bool:
    return (isinstance(schema, dict) and list(schema) == ["anyOf"]
            and schema["anyOf"][:1] == [{"type": "null"}])


class Spec:
    def __init__(self, path: Path):
        self.doc = json.loads(Path(path).read_text(encoding="utf-8"))
        self.components = {
            name: translate(schema)
            for name, schema in self.doc["components"]["schemas"].items()
        }
        self.operations: list[Operation] = []
        for template, ops in self.doc["paths"].items():
            for method, raw in ops.items():
                op = Operation(method.upper(), template, raw.get("operationId", "?"), raw)
                for status, response in raw.get("responses", {}).items():
                    content = response.get("content") or {}
                    json_schema = next(
                        (c.get("schema") for ct, c in content.items() if ct in JSON_TYPES), None)
                    op.responses[status] = translate(json_schema) if json_schema else None
                    op.content_types[status] = [ct.split(";")[0].strip().lower()
                                                for ct in content]
                self.operations.append(op)
        by_key = {(op.method, op.path): op for op in self.operations}
        routes = [(op.method, op.path, op, None) for op in self.operations]
        for method, legacy, modern_method, modern in LEGACY_ROUTES:
            routes.append((method, legacy, by_key[(modern_method, modern)], legacy))
        routes.sort(key=lambda r: _specificity(r[1]))
        self._routes = [(m, _template_regex(t), op, legacy) for m, t, op, legacy in routes]

    def match(self, method: str, path: str) -> Optional[Match]:
        method = method.upper()
        if len(path) > 1:
            path = path.rstrip("/")
        for m, regex, op, legacy in self._routes:
            if m == method and regex.match(path):
                return Match(op, legacy)
        return None

    def schema(self, name: str) -> dict:
        return self.components[name]

    def get_operations(self) -> list:
        return [op for op in self.operations if op.method == "GET"]

    def outbound_message_schema(self, message_type: str):
        """The schema of a server -> client WebSocket message, by MessageType."""
        mapping = (self.doc["components"]["schemas"].get("OutboundWebSocketMessage", {})
                   .get("discriminator", {}).get("mapping", {}))
        ref = mapping.get(message_type)
        if not ref:
            return None
        return {"$ref": SPEC_URI + ref}

    def registry_contents(self) -> dict:
        return {"components": {"schemas": self.components}}
