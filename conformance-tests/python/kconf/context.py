"""State the checks share: configuration, the logged-in client, and the items found so far."""

from dataclasses import dataclass, field
from typing import Optional

from .env import Env
from .http import Http
from .library import Library
from .report import CheckFailed, Report
from .spec import Spec
from .validation import Ledger


@dataclass
class Context:
    env: Env
    spec: Spec
    ledger: Ledger
    report: Report
    library: Library
    http: Http  # raw requests with the logged-in token

    public_info: Optional[dict] = None
    login_client: object = None  # the client that connected and logged in
    client: object = None  # the client started from the saved credentials (with WebSocket)
    device_id: Optional[str] = None
    recorder: object = None
    user_id: Optional[str] = None
    token: Optional[str] = None

    views: dict = field(default_factory=dict)  # CollectionType -> view item
    movies: dict = field(default_factory=dict)  # title -> list item
    shows: dict = field(default_factory=dict)  # title -> series item
    seasons: dict = field(default_factory=dict)  # (show title, season number) -> season item
    episodes: dict = field(default_factory=dict)  # (show title, season, episode) -> item
    home_videos: list = field(default_factory=list)
    touched: set = field(default_factory=set)  # item ids whose user data the suite changed
    play: Optional[dict] = None  # the PlaybackInfo the playback checks share
    resumed: Optional[dict] = None  # the item given a resume point
    marked: Optional[tuple] = None  # (show, episode item) marked played
    extra_ws_messages: list = field(default_factory=list)  # from sockets outside the client

    @property
    def server_id(self) -> str:
        return self.need("public_info", "GET /System/Info/Public")["Id"]

    def need(self, attribute: str, what: str):
        """A prerequisite an earlier check was to provide, or a failure naming it."""
        value = getattr(self, attribute)
        if not value:
            raise CheckFailed(f"prerequisite missing: {what} (an earlier check failed)")
        return value

    def movie(self, title: str) -> dict:
        movies = self.need("movies", "the movie list")
        if title not in movies:
            raise CheckFailed(f"prerequisite missing: movie {title!r} was not listed")
        return movies[title]

    def view(self, collection_type: str) -> dict:
        views = self.need("views", "the user views")
        if collection_type not in views:
            raise CheckFailed(f"prerequisite missing: no {collection_type!r} view")
        return views[collection_type]
