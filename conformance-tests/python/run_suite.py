#!/usr/bin/env python3
"""Entry point: `python conformance-tests/python/run_suite.py` with the env contract set."""

import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kconf.main import main  # noqa: E402

if __name__ == "__main__":
    try:
        code = main()
    except BaseException:  # a crash is not a summary line: run counts it as a failed suite
        traceback.print_exc()
        code = 2
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # the library's WebSocket threads are not daemons
