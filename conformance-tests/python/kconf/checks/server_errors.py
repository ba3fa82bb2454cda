"""No request of the flows got a 5xx (the library swallows 500s, so they are caught here)."""

from ..report import require


def no_server_errors(ctx):
    errors = [e for e in ctx.ledger.server_errors if e[0] != "sweep"]
    require(not errors, "; ".join(f"{status} on {method} {url}"
                                  for _, method, url, status in errors[:20]))


def run(ctx):
    ctx.report.run("server: no 5xx answers during the flows", no_server_errors, ctx)
