"""What the library on disk (KINORA_MEDIA_DIR) should look like through the API.

Expectations are derived from the files, never from the server: movie folders `Title (Year)`
(video files directly inside are versions of one movie, files under `extras/` are extras),
show folders with `SxxEyy` episode files (season folders or flat), and home videos. Runtimes
come from ffprobe on the same files."""

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

VIDEO_EXTENSIONS = {".mkv", ".mp4", ".m4v", ".avi", ".mov", ".webm", ".ts"}
TITLE_YEAR = re.compile(r"^(?P<title>.+?)\s*\((?P<year>\d{4})\)$")
EPISODE = re.compile(r"[Ss](?P<season>\d{1,3})[Ee](?P<episode>\d{1,4})")
TICKS_PER_SECOND = 10_000_000


def _videos(folder: Path, recursive: bool):
    pattern = "**/*" if recursive else "*"
    return sorted(p for p in folder.glob(pattern)
                  if p.is_file() and p.suffix.lower() in VIDEO_EXTENSIONS)


def probe_seconds(path: Path) -> Optional[float]:
    try:
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json",
             str(path)], capture_output=True, text=True, timeout=30, check=True).stdout
        return float(json.loads(out)["format"]["duration"])
    except (OSError, subprocess.SubprocessError, KeyError, ValueError):
        return None


@dataclass
class Movie:
    title: str
    year: Optional[int]
    versions: list  # Paths
    extras: list  # Paths


@dataclass
class Episode:
    path: Path
    season: int
    number: int


@dataclass
class Show:
    title: str
    year: Optional[int]
    episodes: list = field(default_factory=list)

    @property
    def seasons(self) -> set:
        return {e.season for e in self.episodes}


@dataclass
class Library:
    root: Path
    movies: list
    shows: list
    home_videos: list

    def movie(self, title: str) -> Movie:
        return next(m for m in self.movies if m.title == title)

    def longest_movie(self):
        """(Movie, seconds) of the longest single-version movie."""
        if getattr(self, "_longest", None):
            return self._longest
        best = None
        for movie in self.movies:
            if len(movie.versions) != 1:
                continue
            secs = probe_seconds(movie.versions[0]) or 0
            if best is None or secs > best[1]:
                best = (movie, secs)
        self._longest = best
        return best


def _title_year(name: str):
    m = TITLE_YEAR.match(name)
    return (m["title"].strip(), int(m["year"])) if m else (name, None)


def scan(root: Path) -> Library:
    movies = []
    for folder in sorted(p for p in (root / "movies").iterdir() if p.is_dir()):
        title, year = _title_year(folder.name)
        extras = _videos(folder / "extras", True) if (folder / "extras").is_dir() else []
        movies.append(Movie(title, year, _videos(folder, False), extras))
    shows = []
    for folder in sorted(p for p in (root / "tv").iterdir() if p.is_dir()):
        title, year = _title_year(folder.name)
        show = Show(title, year)
        for path in _videos(folder, True):
            m = EPISODE.search(path.name)
            if m:
                show.episodes.append(Episode(path, int(m["season"]), int(m["episode"])))
        shows.append(show)
    return Library(root, movies, shows, _videos(root / "home", True))
