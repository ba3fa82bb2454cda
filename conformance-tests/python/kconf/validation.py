"""Validates every JSON response body against the spec, centrally.

`install()` wraps `requests.Session.send`, which every request goes through: the Jellyfin
client library's own calls (it uses sessions and the module-level `requests.get/post`), the
raw requests of the checks and the sweep. Each response to the server under test is matched to
its spec operation; 2xx statuses the operation does not declare and bodies that do not match
the declared schema are recorded per operation. `Ledger.report()` turns them into checks:
one `schema <operation>` check per operation seen, failing once per distinct
(JSON path, reason) with array indices folded to [*].
"""

import json
import re
import threading
from collections import OrderedDict
from urllib.parse import urlsplit

import requests
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from .report import one_line
from .spec import SPEC_URI, Spec, is_nullable_wrapper

MAX_ERRORS_PER_OPERATION = 12

# CLIENT-CONTRACT.md 2.4 and 2.6: GUIDs as 32 hex digits (dashed accepted, as Guid.Parse does);
# dates ISO 8601 with a zone designator (Swift clients fail without one).
_GUID = re.compile(r"^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,7})?(?:Z|[+-]\d{2}:\d{2})$")

format_checker = FormatChecker(formats=())


@format_checker.checks("uuid")
def _is_guid(value):
    return not isinstance(value, str) or bool(_GUID.match(value))


@format_checker.checks("date-time")
def _is_date_time(value):
    return not isinstance(value, str) or bool(_DATE_TIME.match(value))


@format_checker.checks("int32")
def _is_int32(value):
    return not isinstance(value, int) or isinstance(value, bool) or -2**31 <= value < 2**31


@format_checker.checks("int64")
def _is_int64(value):
    return not isinstance(value, int) or isinstance(value, bool) or -2**63 <= value < 2**63


def _short(value, limit=80) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _leaves(error):
    """The errors worth reporting: through `nullable` wrappers into the non-null branch."""
    if error.validator == "anyOf" and is_nullable_wrapper(error.schema) and error.context:
        inner = [e for e in error.context if e.relative_schema_path and
                 e.relative_schema_path[0] == 1]
        out = []
        for e in inner:
            out.extend(_leaves(e))
        return out or [error]
    return [error]


def _reason(error) -> str:
    if error.validator == "type":
        return (f"expected {error.validator_value}, got {_json_type(error.instance)} "
                f"{_short(error.instance)}")
    if error.validator == "enum":
        values = error.validator_value
        shown = ", ".join(map(str, values[:12])) + (", ..." if len(values) > 12 else "")
        return f"{_short(error.instance)} is not one of the spec's values [{shown}]"
    if error.validator == "format":
        return f"{_short(error.instance)} is not a valid {error.validator_value}"
    if error.validator == "additionalProperties":
        return "property not in the schema: " + one_line(error.message.split("(", 1)[-1], 200)
    return one_line(error.message, 200)


def _fold(path: str) -> str:
    return re.sub(r"\[\d+\]", "[*]", path)


class OperationRecord:
    def __init__(self, label: str):
        self.label = label
        self.responses = 0
        self.bodies = 0  # JSON bodies validated against a schema
        self.errors: "OrderedDict[str, str]" = OrderedDict()  # key -> example url
        self.extra = 0

    def add(self, key: str, url: str) -> None:
        if key in self.errors:
            return
        if len(self.errors) >= MAX_ERRORS_PER_OPERATION:
            self.extra += 1
            return
        self.errors[key] = url


class Ledger:
    """Everything the response hook saw."""

    def __init__(self, spec: Spec, base_url: str):
        self.spec = spec
        self.base = urlsplit(base_url)
        self.registry = Registry().with_resource(
            SPEC_URI, Resource.from_contents(spec.registry_contents(),
                                             default_specification=DRAFT202012))
        self._validators = {}
        self._lock = threading.Lock()
        self.records: "OrderedDict[str, OperationRecord]" = OrderedDict()
        self.server_errors = []  # (phase, method, url, status)
        self.phase = "flows"
        self.unmatched = set()

    def validator(self, schema: dict):
        key = json.dumps(schema, sort_keys=True)
        if key not in self._validators:
            self._validators[key] = Draft202012Validator(
                schema, registry=self.registry, format_checker=format_checker)
        return self._validators[key]

    def schema_errors(self, schema: dict, body) -> list:
        """[(json path, reason)] for body against a translated schema."""
        out = []
        for error in self.validator(schema).iter_errors(body):
            for leaf in _leaves(error):
                problem = (leaf.json_path, _reason(leaf))
                if problem not in out:
                    out.append(problem)
        return out

    # -- the hook ------------------------------------------------------------------------

    def observe(self, response: requests.Response) -> None:
        request = response.request
        url = urlsplit(request.url)
        if (url.scheme, url.netloc) != (self.base.scheme, self.base.netloc):
            return
        if response.status_code >= 500:
            with self._lock:
                self.server_errors.append(
                    (self.phase, request.method, request.url, response.status_code))
        match = self.spec.match(request.method, url.path)
        if match is None:
            self.unmatched.add(f"{request.method} {url.path}")
            return
        op = match.operation
        label = op.label if not match.requested_as else (
            f"{request.method} {match.requested_as} (legacy; as {op.label})")
        problems, validated = self._problems(op, response)
        with self._lock:
            record = self.records.setdefault(label, OperationRecord(label))
            record.responses += 1
            record.bodies += validated
            for path, reason in problems:
                record.add(f"{_fold(path)}: {reason}", request.url)

    def _problems(self, op, response):
        """([(json path, reason)], 1 if a JSON body was validated else 0)."""
        status = str(response.status_code)
        if status == "206" and "200" in op.responses:
            status = "200"  # a Range answer of an operation declared as 200
        is_success = response.status_code < 300
        declared = [s for s in op.responses if s.startswith("2")]
        if is_success and status not in op.responses:
            return [("$", f"status {response.status_code} is not among the spec's responses "
                          f"{', '.join(declared) or 'none'}")], 0
        if response.request.method == "HEAD":
            return [], 0
        content_type = response.headers.get("Content-Type", "")
        media_type = content_type.split(";")[0].strip().lower()
        allowed = op.content_types.get(status) or []
        schema = op.responses.get(status)
        if "json" not in media_type:
            # Only a JSON-only operation is held to its type: the spec's other media types
            # (image/*, text/*, ...) are annotations the real server does not always match.
            if is_success and allowed and all("json" in a for a in allowed):
                return [("$", f"expected an application/json body, got Content-Type "
                              f"{content_type or '(none)'}")], 0
            return [], 0  # error bodies in other formats are not compared
        if is_success and allowed and not any("json" in a for a in allowed):
            return [("$", f"Content-Type {content_type} is not among the spec's "
                          f"{', '.join(allowed)}")], 0
        if schema is None:
            return [], 0
        try:
            body = json.loads(response.content or b"null")
        except ValueError as exc:
            return [("$", f"body is not valid JSON: {exc}")], 0
        return self.schema_errors(schema, body), 1

    # -- results ------------------------------------------------------------------------

    def report(self, report) -> None:
        for label, record in sorted(self.records.items()):
            name = f"schema {label}"
            if not record.errors:
                report.ok(f"{name} [{record.responses} response(s), "
                          f"{record.bodies} JSON bodies validated]")
                continue
            for key, url in record.errors.items():
                report.fail(name, f"{key} (e.g. {url})")
            if record.extra:
                report.fail(name, f"{record.extra} more distinct schema error(s) not shown")


_installed = []


def install(ledger: Ledger) -> None:
    """Routes every requests.Session.send through ledger.observe (idempotent)."""
    if _installed:
        _installed[0] = ledger
        return
    original = requests.Session.send
    _installed.append(ledger)

    def send(self, request, **kwargs):
        response = original(self, request, **kwargs)
        try:
            _installed[0].observe(response)
        except Exception as exc:  # the hook must never break a request
            print(f"# validation hook error on {request.method} {request.url}: {exc!r}")
        return response

    requests.Session.send = send
