"""Leaves the user data as the suite found it (the SDK suite runs against the same server):
marking unplayed clears Played, PlayCount and the resume point in Jellyfin."""

from ..report import require


def restore(ctx):
    ctx.need("token", "login")
    problems = []
    for item_id in sorted(ctx.touched):
        ctx.http.delete(f"/UserPlayedItems/{item_id}", params={"userId": ctx.user_id})
        ctx.http.delete(f"/UserFavoriteItems/{item_id}", params={"userId": ctx.user_id})
        item = ctx.http.json("GET", f"/Items/{item_id}", params={"userId": ctx.user_id})
        data = item.get("UserData") or {}
        if data.get("Played") or data.get("PlaybackPositionTicks") or data.get("IsFavorite"):
            problems.append(f"{item.get('Name')!r}: Played={data.get('Played')}, "
                            f"PlaybackPositionTicks={data.get('PlaybackPositionTicks')}, "
                            f"IsFavorite={data.get('IsFavorite')}")
    require(not problems, "user data not restored by marking unplayed: " + "; ".join(problems))


def run(ctx):
    ctx.report.run("cleanup: DELETE /UserPlayedItems resets played state and resume point",
                   restore, ctx)
