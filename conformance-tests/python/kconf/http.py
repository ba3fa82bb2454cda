"""Plain HTTP against the server under test, for what the client library has no method for
(header variants, Range requests, the sweep). Goes through requests, so responses are
schema-validated by the hook like the library's own."""

import uuid
from urllib.parse import quote

import requests

from .report import CheckFailed

TIMEOUT = 20

CLIENT = "Kinora Conformance"
DEVICE = "conformance-host"
VERSION = "1.0.0"


def new_device_id() -> str:
    return "kconf-" + uuid.uuid4().hex[:12]


def mediabrowser_header(token=None, device_id="kconf-raw", scheme="MediaBrowser",
                        quoted=True, url_encoded=False) -> str:
    """An Authorization header in one of the forms real clients send (CLIENT-CONTRACT 2.11)."""
    parts = {"Client": CLIENT, "Device": DEVICE, "DeviceId": device_id, "Version": VERSION}
    if token is not None:
        parts["Token"] = token

    def fmt(value):
        value = quote(value, safe="") if url_encoded else value
        return f'"{value}"' if quoted else value

    return scheme + " " + ", ".join(f"{k}={fmt(v)}" for k, v in parts.items())


class Http:
    def __init__(self, base_url: str):
        self.base = base_url.rstrip("/")
        self.session = requests.Session()
        self.token = None
        self.device_id = new_device_id()

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base}/{path.lstrip('/')}"

    def auth_headers(self) -> dict:
        return {"Authorization": mediabrowser_header(self.token, self.device_id)}

    def request(self, method, path, auth=True, headers=None, **kwargs) -> requests.Response:
        all_headers = dict(self.auth_headers() if auth else {})
        all_headers.update(headers or {})
        kwargs.setdefault("timeout", TIMEOUT)
        return self.session.request(method, self.url(path), headers=all_headers, **kwargs)

    def get(self, path, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path, **kwargs) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def json(self, method, path, expect=200, **kwargs):
        """The decoded JSON body of a request that must answer `expect`."""
        response = self.request(method, path, **kwargs)
        if response.status_code != expect:
            raise CheckFailed(
                f"{method} {path}: expected {expect}, got {response.status_code} "
                f"{response.text[:200]!r}")
        try:
            return response.json()
        except ValueError:
            raise CheckFailed(f"{method} {path}: body is not JSON: {response.text[:200]!r}")
