"""Runs named checks and prints one line per check, then `N passed, N failed`."""

import sys
import traceback

from jellyfin_apiclient_python.exceptions import HTTPException


class CheckFailed(Exception):
    """A check's expectation did not hold; the message is the reason."""


def require(condition, reason: str) -> None:
    if not condition:
        raise CheckFailed(reason)


def describe_exception(exc: BaseException) -> str:
    if isinstance(exc, CheckFailed):
        return str(exc)
    if isinstance(exc, HTTPException):
        # The library raises HTTPException(status, requests error) for non-2xx answers.
        return f"client library error {exc.status}: {exc.message}"
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" (at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})" if frame else ""
    return f"{type(exc).__name__}: {exc}{where}"


def one_line(text: str, limit: int = 600) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Report:
    def __init__(self, out=sys.stdout):
        self.out = out
        self.passed = 0
        self.failed = 0

    def ok(self, name: str) -> None:
        self.passed += 1
        print(f"ok  {name}", file=self.out, flush=True)

    def fail(self, name: str, reason: str) -> None:
        self.failed += 1
        print(f"FAIL {name}: {one_line(reason)}", file=self.out, flush=True)

    def run(self, name: str, fn, *args, **kwargs):
        """Runs fn; passes when it returns, fails with the reason when it raises.

        Returns fn's result, or None when it failed."""
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:  # every failure is reported, never raised
            self.fail(name, describe_exception(exc))
            return None
        self.ok(name)
        return result

    def summary(self) -> str:
        return f"{self.passed} passed, {self.failed} failed"
