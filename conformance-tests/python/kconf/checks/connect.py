"""Connect and sign in like jellyfin-apiclient-python users (mpv-shim, Kodi): public info,
connect_to_address, login, authenticate with saved credentials, start the WebSocket, post
capabilities and find the device in /Sessions (CLIENT-CONTRACT 3.3, 3.4)."""

import copy
import re

from jellyfin_apiclient_python.connection_manager import CONNECTION_STATE

from .. import fields
from ..http import new_device_id
from ..jfclient import CAPABILITIES, KODI_CAPABILITIES, WsRecorder, attach_recorder, make_client
from ..report import CheckFailed, require


def _version_tuple(version: str):
    return tuple(int(p) for p in re.findall(r"\d+", version)[:3])


def public_info(ctx):
    client = make_client(new_device_id())
    info = client.auth.API.get_public_info(ctx.env.url)
    require(info, "GET system/info/public did not answer 200 with JSON")
    fields.guid(info.get("Id"), "PublicSystemInfo.Id")
    require(isinstance(info.get("ServerName"), str) and info["ServerName"],
            f"ServerName missing: {info!r}")
    version = info.get("Version") or ""
    require(_version_tuple(version) >= (10, 10, 0),
            f"Version {version!r} < 10.10.0 (jellyfin-web refuses: ServerUpdateNeeded)")
    require(info.get("ProductName") == "Jellyfin Server",
            f"ProductName {info.get('ProductName')!r} != 'Jellyfin Server'")
    require(info.get("StartupWizardCompleted") is True, "StartupWizardCompleted is not true")
    require(isinstance(info.get("LocalAddress"), str), "LocalAddress missing")
    other = ctx.http.json("GET", "/System/Info/Public", auth=False)
    require(other.get("Id") == info["Id"],
            f"/System/Info/Public Id {other.get('Id')!r} != system/info/public Id {info['Id']!r}")
    ctx.public_info = info


def connect_to_address(ctx):
    ctx.need("public_info", "public system info")
    client = make_client(ctx.device_id)
    state = client.auth.connect_to_address(ctx.env.url)
    require(state.get("State") == CONNECTION_STATE["ServerSignIn"],
            f"connect_to_address returned state {state.get('State')!r}, expected ServerSignIn")
    server = state["Servers"][0]
    require(server.get("Id") == ctx.server_id, f"server Id {server.get('Id')!r} != public Id")
    ctx.login_client = client


def login(ctx):
    client = ctx.need("login_client", "connect_to_address")
    result = client.auth.login(ctx.env.url, ctx.env.admin_user, ctx.env.admin_password)
    if not result:
        raw = ctx.http.post("/Users/AuthenticateByName", auth=True,
                            json={"Username": ctx.env.admin_user, "Pw": ctx.env.admin_password})
        detail = f"HTTP {raw.status_code}"
        if raw.ok:
            detail += (f", ServerId {raw.json().get('ServerId')!r} vs public Id "
                       f"{ctx.server_id!r} (the library drops a login whose ServerId differs)")
        raise CheckFailed(f"login() returned nothing ({detail})")
    token = result.get("AccessToken")
    require(isinstance(token, str) and token, "AccessToken missing")
    user = result.get("User") or {}
    fields.guid(user.get("Id"), "User.Id")
    require(user.get("Name") == ctx.env.admin_user,
            f"User.Name {user.get('Name')!r} != {ctx.env.admin_user!r}")
    require(result.get("ServerId") == ctx.server_id, "AuthenticationResult.ServerId != public Id")
    require(user.get("ServerId") == ctx.server_id, "User.ServerId != public Id")
    require((user.get("Policy") or {}).get("IsAdministrator") is True,
            "the admin user's Policy.IsAdministrator is not true")
    require(isinstance(result.get("SessionInfo"), dict), "SessionInfo missing")
    ctx.user_id = user["Id"]
    ctx.token = token
    ctx.http.token = token


def wrong_password(ctx):
    response = ctx.http.post("/Users/AuthenticateByName", auth=False,
                             json={"Username": ctx.env.admin_user, "Pw": "not-the-password"})
    require(response.status_code == 401,
            f"expected 401 for a wrong password, got {response.status_code}")


def authenticate_saved(ctx):
    login_client = ctx.need("login_client", "login")
    ctx.need("token", "login")
    servers = copy.deepcopy(login_client.auth.credentials.get_credentials()["Servers"])
    require(servers and servers[0].get("AccessToken"), "login saved no credentials")
    client = make_client(ctx.device_id)
    ctx.recorder = WsRecorder()
    attach_recorder(client, ctx.recorder)
    state = client.authenticate({"Servers": servers}, discover=False)
    require(state.get("State") == CONNECTION_STATE["SignedIn"],
            f"authenticate() state {state.get('State')!r}, expected SignedIn "
            "(GET system/info with the saved token failed)")
    client.start(websocket=True, keep_alive=True)
    ctx.client = client


def system_info(ctx):
    client = ctx.need("client", "authenticated client")
    info = client.jellyfin.get_system_info_new()
    require(isinstance(info, dict), f"System/Info answered {info!r}")
    require(info.get("Id") == ctx.server_id, f"System/Info Id {info.get('Id')!r} != public Id")


def users(ctx):
    client = ctx.need("client", "authenticated client")
    user = client.jellyfin.get_user(ctx.user_id)
    require(user.get("Id") == ctx.user_id, f"Users/{{id}} answered Id {user.get('Id')!r}")
    require(user.get("ServerId") == ctx.server_id, "UserDto.ServerId != public Id")
    require((user.get("Policy") or {}).get("IsAdministrator") is True,
            "Policy.IsAdministrator missing")
    config = user.get("Configuration")
    require(isinstance(config, dict), "UserDto.Configuration missing")
    for key in ("PlayDefaultAudioTrack", "SubtitleMode", "OrderedViews", "MyMediaExcludes",
                "EnableNextEpisodeAutoPlay"):
        require(key in config, f"UserDto.Configuration.{key} missing")
    me = ctx.http.json("GET", "/Users/Me")
    require(me.get("Id") == ctx.user_id, f"/Users/Me Id {me.get('Id')!r} != {ctx.user_id!r}")
    public = client.jellyfin.get_public_users()
    require(isinstance(public, list), f"/Users/Public is not an array: {public!r}")


def display_preferences(ctx):
    client = ctx.need("client", "authenticated client")
    prefs = client.jellyfin.get_user_settings()
    require(isinstance(prefs, dict), f"DisplayPreferences/usersettings answered {prefs!r}")
    require(isinstance(prefs.get("CustomPrefs"), dict), "DisplayPreferencesDto.CustomPrefs missing")


def capabilities(ctx):
    client = ctx.need("client", "authenticated client")
    client.jellyfin.post_capabilities(CAPABILITIES)


def capabilities_comma_strings(ctx):
    ctx.need("token", "login")
    response = ctx.http.post(
        "/Sessions/Capabilities/Full",
        headers={"Authorization": ctx.client.http._get_authenication_header()},
        json=KODI_CAPABILITIES)
    require(response.status_code == 204,
            f"Kodi's comma-string capabilities: expected 204, got {response.status_code} "
            f"{response.text[:200]!r}")


def sessions(ctx):
    client = ctx.need("client", "authenticated client")
    listed = client.jellyfin.sessions(params={"ControllableByUserId": ctx.user_id})
    require(isinstance(listed, list), f"/Sessions answered {listed!r}")
    mine = [s for s in listed if s.get("DeviceId") == ctx.device_id]
    require(mine, f"no session with DeviceId {ctx.device_id!r} (mpv-shim reconnects forever); "
                  f"got {[s.get('DeviceId') for s in listed]}")
    session = mine[0]
    require(session.get("UserId") == ctx.user_id, "session UserId is not the user")
    require("Video" in (session.get("PlayableMediaTypes") or []),
            f"session PlayableMediaTypes {session.get('PlayableMediaTypes')!r} lacks the posted "
            "'Video'")


def endpoint(ctx):
    info = ctx.http.json("GET", "/System/Endpoint")
    for key in ("IsLocal", "IsInNetwork"):
        require(isinstance(info.get(key), bool), f"EndPointInfo.{key} missing")


def run(ctx, discovery_checks):
    r = ctx.report
    r.run("connect: system/info/public (library get_public_info)", public_info, ctx)
    discovery_checks(ctx)
    r.run("connect: connect_to_address", connect_to_address, ctx)
    r.run("connect: login (library, POST Users/AuthenticateByName)", login, ctx)
    r.run("connect: wrong password answers 401", wrong_password, ctx)
    r.run("connect: authenticate() with saved credentials, start(websocket=True)",
          authenticate_saved, ctx)
    r.run("connect: System/Info with the token", system_info, ctx)
    r.run("connect: Users/{id}, Users/Me, Users/Public", users, ctx)
    r.run("connect: DisplayPreferences/usersettings (get_user_settings)",
          display_preferences, ctx)
    r.run("connect: Sessions/Capabilities/Full (post_capabilities, arrays)", capabilities, ctx)
    r.run("connect: Sessions/Capabilities/Full (Kodi comma strings)",
          capabilities_comma_strings, ctx)
    r.run("connect: Sessions?ControllableByUserId lists this device", sessions, ctx)
    r.run("connect: System/Endpoint", endpoint, ctx)
