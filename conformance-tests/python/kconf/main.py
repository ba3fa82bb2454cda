"""Runs the suite: the contract flows in client order, the GET sweep, then the schema verdicts
for every operation seen. Prints one line per check and `N passed, N failed` last."""

import logging
import os
import sys
import time

from .checks import (auth_forms, browse, cleanup, connect, discovery, home, playback,
                     server_errors, sweep, websocket)
from .context import Context
from .env import load
from .http import Http
from .library import scan
from .report import Report
from .spec import Spec
from .validation import Ledger, install


def quiet_libraries() -> None:
    """The client library prints its log to stdout; checks report failures themselves."""
    debug = os.environ.get("KINORA_CONFORMANCE_DEBUG") == "1"
    for name in ("Jellyfin", "JELLYFIN", "websocket", "urllib3"):
        logger = logging.getLogger(name)
        if not debug:
            logger.handlers.clear()
            logger.setLevel(logging.CRITICAL + 1)
            logger.propagate = False
    if debug:
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)


def main() -> int:
    started = time.monotonic()
    env = load()
    quiet_libraries()
    spec = Spec(env.spec_path)
    ledger = Ledger(spec, env.url)
    install(ledger)
    report = Report()
    http = Http(env.url)
    ctx = Context(env=env, spec=spec, ledger=ledger, report=report,
                  library=scan(env.media_dir), http=http, device_id=http.device_id)
    try:
        connect.run(ctx, discovery.run)
        websocket.run_early(ctx)
        auth_forms.run(ctx)
        browse.run(ctx)
        home.run(ctx)
        playback.run(ctx)
        websocket.run_late(ctx)
        cleanup.run(ctx)
        server_errors.run(ctx)
        sweep.run(ctx)
        ledger.report(report)
    finally:
        if ctx.client is not None:
            try:
                ctx.client.stop()
            except Exception as exc:
                print(f"# stopping the client failed: {exc!r}")
    print(f"# python suite took {time.monotonic() - started:.1f} s")
    print(report.summary(), flush=True)
    return 0 if report.failed == 0 else 1


