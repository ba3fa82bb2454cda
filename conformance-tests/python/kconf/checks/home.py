"""Home rows and search: latest per library (a bare array), search by SearchTerm."""

import re

from .browse import check_list_items
from ..report import require


def latest(ctx):
    client = ctx.need("client", "authenticated client")
    movie_ids = {m["Id"] for m in ctx.need("movies", "the movie list").values()}
    items = client.jellyfin.get_recently_added(parent_id=ctx.view("movies")["Id"], limit=16)
    check_list_items(ctx, items, "Users/{id}/Items/Latest (movies)")
    require(items, "no latest movies")
    strays = [i["Name"] for i in items if i["Id"] not in movie_ids]
    require(not strays, f"latest in the movies view lists non-movies {strays}")
    shows = client.jellyfin.get_recently_added(parent_id=ctx.view("tvshows")["Id"], limit=16)
    check_list_items(ctx, shows, "Users/{id}/Items/Latest (shows)")
    require(shows, "no latest items in the tvshows view")


def _distinct_word(titles, title):
    others = " ".join(t for t in titles if t != title).lower()
    for word in re.findall(r"[A-Za-z]{4,}", title):
        if word.lower() not in others:
            return word
    return None


def _search_case(titles):
    for title in titles:
        word = _distinct_word(titles, title)
        if word:
            return title, word
    return None, None


def search_movies(ctx):
    client = ctx.need("client", "authenticated client")
    titles = [m.title for m in ctx.library.movies]
    title, word = _search_case(titles)
    require(word, "no movie title with a distinctive word to search for")
    expected = ctx.movie(title)["Id"]
    for term in (word, word.lower()):
        result = client.jellyfin.search_media_items(term=term, media="Movie", limit=20)
        items = (result or {}).get("Items")
        check_list_items(ctx, items, f"search {term!r}")
        require([i["Id"] for i in items] == [expected],
                f"searching {term!r} found {[i['Name'] for i in items]}, expected [{title!r}]")


def search_series(ctx):
    client = ctx.need("client", "authenticated client")
    titles = [s.title for s in ctx.library.shows]
    title, word = _search_case(titles)
    require(word, "no show title with a distinctive word to search for")
    series = ctx.need("shows", "the series list").get(title)
    require(series, f"series {title!r} not listed")
    result = client.jellyfin.search_media_items(term=word, media="Series", limit=20)
    items = (result or {}).get("Items")
    check_list_items(ctx, items, f"search {word!r}")
    require([i["Id"] for i in items] == [series["Id"]],
            f"searching {word!r} (Series) found {[i['Name'] for i in items]}, expected "
            f"[{title!r}]")


def run(ctx):
    r = ctx.report
    r.run("home: latest per view (legacy Users/{id}/Items/Latest) is a bare array", latest, ctx)
    r.run("home: search movies (Users/{id}/Items?searchTerm=)", search_movies, ctx)
    r.run("home: search series (Users/{id}/Items?searchTerm=)", search_series, ctx)
