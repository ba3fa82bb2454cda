"""The environment contract every conformance suite reads (see conformance-tests/README.md)."""

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Env:
    url: str  # http://127.0.0.1:PORT, no trailing slash
    discovery_port: int
    admin_user: str
    admin_password: str
    api_key: str  # native /api/v1 key (X-Api-Key), not a Jellyfin token
    media_dir: Path  # the library on disk: movies/ tv/ home/
    spec_path: Path  # jellyfin-openapi-stable.json (10.11.11)
    contract_dir: Path


def _require(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise SystemExit(f"conformance: environment variable {name} is not set")
    return value


def load() -> Env:
    return Env(
        url=_require("KINORA_URL").rstrip("/"),
        discovery_port=int(_require("KINORA_DISCOVERY_PORT")),
        admin_user=_require("KINORA_ADMIN_USER"),
        admin_password=_require("KINORA_ADMIN_PASSWORD"),
        api_key=_require("KINORA_API_KEY"),
        media_dir=Path(_require("KINORA_MEDIA_DIR")),
        spec_path=Path(_require("KINORA_SPEC")),
        contract_dir=Path(_require("KINORA_CONTRACT_DIR")),
    )
