"""UDP client discovery (CLIENT-CONTRACT 2.14): `who is JellyfinServer?` answered with
`{Address, Id, Name}`; the library's discover_servers() can aim at one address and port."""

import json
import socket

import requests
from jellyfin_apiclient_python.discovery import discover_servers

from ..report import CheckFailed, require


def _check_reply(ctx, info):
    require(info.get("Id") == ctx.server_id,
            f"reply Id {info.get('Id')!r} != /System/Info/Public Id {ctx.server_id!r}")
    require(info.get("Name") == ctx.public_info.get("ServerName"),
            f"reply Name {info.get('Name')!r} != ServerName {ctx.public_info.get('ServerName')!r}")
    address = info.get("Address")
    require(isinstance(address, str) and address.startswith("http"),
            f"reply Address {address!r} is not an http URL")
    try:
        answer = requests.get(address.rstrip("/") + "/System/Info/Public", timeout=5).json()
    except (requests.RequestException, ValueError) as exc:
        raise CheckFailed(f"the advertised Address {address!r} does not serve the API: {exc}")
    require(answer.get("Id") == ctx.server_id,
            f"the advertised Address {address!r} is another server ({answer.get('Id')!r})")


def library_discovery(ctx):
    ctx.need("public_info", "public system info")
    servers = discover_servers(timeout=2.0, address=("127.0.0.1", ctx.env.discovery_port))
    require(len(servers) == 1, f"expected one reply, got {servers!r}")
    _check_reply(ctx, servers[0])


def raw_discovery_any_case(ctx):
    ctx.need("public_info", "public system info")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(2.0)
        sock.sendto(b"WHO IS JELLYFINSERVER?", ("127.0.0.1", ctx.env.discovery_port))
        try:
            data, _ = sock.recvfrom(65535)
        except socket.timeout:
            raise CheckFailed("no reply within 2 s to an upper-case query")
    try:
        info = json.loads(data)
    except ValueError:
        raise CheckFailed(f"reply is not JSON: {data[:200]!r}")
    _check_reply(ctx, info)


def run(ctx):
    ctx.report.run("discovery: discover_servers() to the discovery port", library_discovery, ctx)
    ctx.report.run("discovery: upper-case query (raw UDP)", raw_discovery_any_case, ctx)
