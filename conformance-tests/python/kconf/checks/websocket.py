"""The WebSocket (CLIENT-CONTRACT 8) through the library's ws_client (Authorization header),
plus jellyfin-web's `?api_key=` form and an unauthenticated attempt with websocket-client.
Every server message is validated against the spec's outbound message schemas."""

import json
import time

import websocket as wsclient

from ..report import CheckFailed, require

WAIT = 10.0


def _ws_base(ctx) -> str:
    return "ws" + ctx.env.url[len("http"):]


def _raw_of_type(ctx, message_type):
    return [m for m in ctx.recorder.raw if m.get("MessageType") == message_type]


def connects(ctx):
    recorder = ctx.need("recorder", "the started client")
    event = recorder.wait_for(
        lambda: [e for e in recorder.events if e[0] in ("WebSocketConnect", "WebSocketError")],
        WAIT)
    require(event, f"no WebSocketConnect within {WAIT:.0f} s")
    require(event[0][0] == "WebSocketConnect", f"WebSocketError: {event[0][1]!r}")


def force_keep_alive(ctx):
    recorder = ctx.need("recorder", "the started client")
    found = recorder.wait_for(lambda: _raw_of_type(ctx, "ForceKeepAlive"), WAIT)
    require(found, f"no ForceKeepAlive within {WAIT:.0f} s; got "
                   f"{[m.get('MessageType') for m in recorder.raw]}")
    data = found[0].get("Data")
    require(isinstance(data, int) and not isinstance(data, bool) and data > 0,
            f"ForceKeepAlive Data {data!r} is not a positive number of seconds")


def keep_alive_answered(ctx):
    recorder = ctx.need("recorder", "the started client")
    # The library answers ForceKeepAlive with {"MessageType": "KeepAlive"} at once.
    found = recorder.wait_for(lambda: _raw_of_type(ctx, "KeepAlive"), WAIT)
    require(found, f"the server did not answer the client's KeepAlive within {WAIT:.0f} s")


def user_data_changed(ctx, marked, since):
    """Called by the playback checks right after they mark an episode played."""
    recorder = ctx.need("recorder", "the started client")
    _, episode = marked() or (None, None)
    if episode is None:
        raise CheckFailed("prerequisite missing: an episode marked played")

    def matching():
        out = []
        for message in _raw_of_type(ctx, "UserDataChanged"):
            data = message.get("Data") or {}
            entries = data.get("UserDataList") or []
            if any(e.get("ItemId") == episode["Id"] for e in entries):
                out.append(message)
        return out

    found = recorder.wait_for(matching, WAIT)
    require(found, f"no UserDataChanged for {episode['Name']!r} within {WAIT:.0f} s; got "
                   f"{[m.get('MessageType') for m in recorder.raw]}")
    data = found[0]["Data"]
    require(data.get("UserId") == ctx.user_id,
            f"UserDataChanged UserId {data.get('UserId')!r} != {ctx.user_id!r}")
    entry = next(e for e in data["UserDataList"] if e.get("ItemId") == episode["Id"])
    require(entry.get("Played") is True, f"UserDataChanged entry {entry!r} is not Played")
    callbacks = [e for e in recorder.events if e[0] == "UserDataChanged"]
    require(callbacks, "the library did not raise its UserDataChanged callback")


def api_key_query(ctx):
    token = ctx.need("token", "login")
    url = f"{_ws_base(ctx)}/socket?api_key={token}&deviceId=kconf-web-socket"
    try:
        conn = wsclient.create_connection(url, timeout=WAIT)
    except Exception as exc:
        raise CheckFailed(f"connect with ?api_key= failed: {exc}")
    try:
        message = json.loads(conn.recv())
    except Exception as exc:
        raise CheckFailed(f"no message after connecting with ?api_key=: {exc}")
    finally:
        conn.close()
    require(message.get("MessageType") == "ForceKeepAlive",
            f"first message {message.get('MessageType')!r}, expected ForceKeepAlive")
    ctx.extra_ws_messages.append(message)


def unauthenticated_refused(ctx):
    ctx.need("token", "login")
    try:
        conn = wsclient.create_connection(f"{_ws_base(ctx)}/socket", timeout=WAIT)
    except wsclient.WebSocketBadStatusException as exc:
        require(exc.status_code in (401, 403), f"refused with status {exc.status_code}")
        return
    except Exception:  # refused some other way: still refused
        return
    try:
        conn.settimeout(3)
        message = conn.recv()
    except Exception:
        message = None
    finally:
        conn.close()
    raise CheckFailed(f"an unauthenticated socket was accepted (first message {message!r})")


def message_schemas(ctx):
    recorder = ctx.need("recorder", "the started client")
    messages = list(recorder.raw) + list(ctx.extra_ws_messages)
    require(messages, "no WebSocket messages to validate")
    problems = []
    for message in messages:
        kind = message.get("MessageType")
        schema = ctx.spec.outbound_message_schema(kind)
        if schema is None:
            problems.append(f"MessageType {kind!r} is not a message type of the spec")
            continue
        for path, reason in ctx.ledger.schema_errors(schema, message)[:5]:
            problems.append(f"{kind} {path}: {reason}")
    require(not problems, "; ".join(sorted(set(problems))))


def run_early(ctx):
    r = ctx.report
    r.run("websocket: the library's ws_client connects (Authorization header)", connects, ctx)
    r.run("websocket: server sends ForceKeepAlive", force_keep_alive, ctx)
    r.run("websocket: server answers KeepAlive", keep_alive_answered, ctx)
    r.run("websocket: jellyfin-web form /socket?api_key=&deviceId=", api_key_query, ctx)
    r.run("websocket: unauthenticated connection is refused", unauthenticated_refused, ctx)


def run_late(ctx):
    time.sleep(0.2)  # let in-flight frames land
    ctx.report.run("websocket: every message matches the spec's message schemas",
                   message_schemas, ctx)
