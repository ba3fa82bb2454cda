# syntax=docker/dockerfile:1
#
# Kinora: a two-stage build. The first stage compiles, the second is a slim Debian with ffmpeg.
#   docker build -t kinora .
#   docker run -p 8096:8096 -v ./config:/config -v ./data:/data -v /srv/media:/media:ro kinora

FROM rust:1-bookworm AS build
WORKDIR /src

# Dependencies first: this layer is rebuilt only when a manifest or the lock file changes.
COPY Cargo.toml Cargo.lock ./
COPY migrations/Cargo.toml migrations/Cargo.toml
RUN mkdir -p src migrations/src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs migrations/src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src migrations/src

# Then the sources. COPY keeps the files' own mtimes, which can be older than the placeholder
# build above; touching them makes cargo rebuild Kinora's own crates.
COPY . .
RUN touch src/main.rs src/lib.rs migrations/src/lib.rs \
    && cargo build --release --locked \
    && install -m 0755 target/release/kinora /usr/local/bin/kinora


FROM debian:bookworm-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg ca-certificates \
    && rm -rf /var/lib/apt/lists/*

# A fixed uid/gid so bind-mounted folders can be given to it (docker-compose.yml: KINORA_UID).
RUN groupadd --system --gid 1000 kinora \
    && useradd --system --uid 1000 --gid kinora --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin kinora \
    && mkdir -p /config /data /media \
    && chown kinora:kinora /config /data

COPY --from=build /usr/local/bin/kinora /usr/local/bin/kinora
COPY scripts/docker-entrypoint /usr/local/bin/kinora-entrypoint
COPY kinora.example.toml /usr/share/kinora/kinora.example.toml

ENV KINORA_CONFIG=/config/kinora.toml \
    KINORA_DATA_DIR=/data

VOLUME ["/config", "/data", "/media"]

# 8096: HTTP (Jellyfin's port). 7359/udp: Jellyfin's client auto-discovery.
EXPOSE 8096 7359/udp

USER kinora
WORKDIR /data

# No curl in the slim image: bash's /dev/tcp asks the anonymous health route on the port the
# server wrote to server.port (8096 until it has).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "port=$(cat \"$KINORA_DATA_DIR/server.port\" 2>/dev/null || echo 8096); exec 3<>\"/dev/tcp/127.0.0.1/$port\" && printf 'GET /api/v1/health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

# `kinora serve`, after writing a starter /config/kinora.toml when there is none.
ENTRYPOINT ["kinora-entrypoint"]
