"""Authorization header forms and token carriers real clients send (CLIENT-CONTRACT 2.11):
each login form signs in and then uses its token the same way; each token carrier reaches
/Users/Me; missing or unknown tokens answer 401 except on anonymous endpoints."""

from ..http import mediabrowser_header, new_device_id
from ..report import require

# name -> (header name, header value builder(token, device id)), as sent by:
LOGIN_FORMS = {
    # jellyfin-web's legacy apiclient, python apiclient
    "quoted MediaBrowser": lambda t, d: ("Authorization", mediabrowser_header(t, d)),
    # Swiftfin: unquoted values in any order
    "unquoted MediaBrowser (Swiftfin)": lambda t, d: (
        "Authorization", _unquoted_token_first(t, d)),
    # @jellyfin/sdk: URL-encoded values, Token="" before login
    "URL-encoded values (TS SDK)": lambda t, d: (
        "Authorization", mediabrowser_header(t if t is not None else "", d, url_encoded=True)),
    # legacy scheme name
    "Emby scheme": lambda t, d: ("Authorization", mediabrowser_header(t, d, scheme="Emby")),
    # legacy header
    "X-Emby-Authorization": lambda t, d: ("X-Emby-Authorization", mediabrowser_header(t, d)),
}


def _unquoted_token_first(token, device_id):
    parts = ([f"Token={token}"] if token is not None else []) + [
        "Version=1.3.1", f"DeviceId={device_id}", "Device=iPhone", "Client=Swiftfin iOS"]
    return "MediaBrowser " + ", ".join(parts)


def login_with_form(ctx, build):
    device_id = new_device_id()
    name, value = build(None, device_id)
    response = ctx.http.post("/Users/AuthenticateByName", auth=False, headers={name: value},
                             json={"Username": ctx.env.admin_user, "Pw": ctx.env.admin_password})
    require(response.status_code == 200,
            f"login with {name}: {value!r} answered {response.status_code} {response.text[:200]!r}")
    token = response.json().get("AccessToken")
    require(token, "no AccessToken")
    name, value = build(token, device_id)
    me = ctx.http.get("/Users/Me", auth=False, headers={name: value})
    require(me.status_code == 200,
            f"/Users/Me with {name}: {value[:60]!r}... answered {me.status_code}")
    require(me.json().get("Id") == ctx.user_id, "/Users/Me answered another user")


def token_carrier(ctx, headers=None, params=None):
    ctx.need("token", "login")
    response = ctx.http.get("/Users/Me", auth=False, headers=headers or {}, params=params or {})
    require(response.status_code == 200, f"/Users/Me answered {response.status_code}")
    require(response.json().get("Id") == ctx.user_id, "/Users/Me answered another user")


def rejections(ctx):
    ctx.need("token", "login")
    anonymous = ctx.http.get("/Users/Me", auth=False)
    require(anonymous.status_code == 401,
            f"/Users/Me without a token answered {anonymous.status_code}, expected 401")
    bogus = {"X-Emby-Token": "0" * 32}
    unknown = ctx.http.get("/Users/Me", auth=False, headers=bogus)
    require(unknown.status_code == 401,
            f"/Users/Me with an unknown token answered {unknown.status_code}, expected 401")
    public = ctx.http.get("/System/Info/Public", auth=False, headers=bogus)
    require(public.status_code == 200,
            f"anonymous /System/Info/Public with an unknown token answered "
            f"{public.status_code}, expected 200")


def run(ctx):
    r = ctx.report
    for form, build in LOGIN_FORMS.items():
        r.run(f"auth: login and use the token with {form}", lambda b=build: (
            ctx.need("user_id", "login"), login_with_form(ctx, b)))
    tok = lambda: ctx.token  # noqa: E731 -- read when the check runs
    r.run("auth: X-Emby-Token header", lambda: token_carrier(ctx, {"X-Emby-Token": tok()}))
    r.run("auth: X-MediaBrowser-Token header",
          lambda: token_carrier(ctx, {"X-MediaBrowser-Token": tok()}))
    r.run("auth: api_key query", lambda: token_carrier(ctx, params={"api_key": tok()}))
    r.run("auth: ApiKey query", lambda: token_carrier(ctx, params={"ApiKey": tok()}))
    r.run("auth: missing/unknown token answers 401, anonymous routes still 200", rejections, ctx)
