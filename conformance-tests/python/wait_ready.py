#!/usr/bin/env python3
"""Waits until Kinora has scanned every library and finished its background jobs (probe,
thumbnails, ...), through the native API: /api/v1/scan/status and /api/v1/jobs.

usage: wait_ready.py BASE_URL API_KEY LIBRARIES SERVER_PID [TIMEOUT_SECONDS]
Standard library only (runs before or without the virtual environment)."""

import json
import os
import sys
import time
import urllib.error
import urllib.request


def get(base, key, path):
    request = urllib.request.Request(base + path, headers={"X-Api-Key": key})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def main():
    base, key, libraries, pid = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 120
    deadline = time.monotonic() + timeout
    calm, last = 0, None
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            sys.exit("wait_ready: the server exited")
        try:
            scan = get(base, key, "/api/v1/scan/status")
            jobs = get(base, key, "/api/v1/jobs")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            last = f"native API not answering: {exc}"
            calm = 0
        else:
            last = (f"scans_completed={scan.get('scans_completed')} "
                    f"scanning={scan.get('scanning')} queued={jobs.get('queued')} "
                    f"running={jobs.get('running')} failed={jobs.get('failed')}")
            idle = (scan.get("scans_completed", 0) >= libraries and not scan.get("scanning")
                    and scan.get("pending_rechecks") == 0 and jobs.get("queued") == 0
                    and jobs.get("running") == 0)
            calm = calm + 1 if idle else 0
            if calm >= 3:
                print(f"wait_ready: idle ({last})", file=sys.stderr)
                for failure in jobs.get("recent_failures") or []:
                    print(f"wait_ready: failed job {failure}", file=sys.stderr)
                return
        time.sleep(0.25)
    sys.exit(f"wait_ready: not idle after {timeout:.0f} s ({last})")


if __name__ == "__main__":
    main()
