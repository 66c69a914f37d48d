"""What every stage entry point shares: one-line errors for user mistakes, a clean Ctrl-C."""
from __future__ import annotations

import signal
import sys
from typing import Callable

from embedlab.errors import EmbedlabError


def _terminate(signum, frame):
    # Ctrl-C and `dvc queue kill` send SIGINT, which Python raises as KeyboardInterrupt already; other
    # supervisors send SIGTERM. Raising lets tracking mark the run KILLED and atomic writes clean up.
    # Worker processes must not inherit this (see imdb.tokenize.tokenize_many).
    raise KeyboardInterrupt


def run_stage(main: Callable[[], object]) -> None:
    signal.signal(signal.SIGTERM, _terminate)
    # a shell starts background jobs with SIGINT ignored (`nohup dvc repro &`, some CI runners), and
    # Python then leaves it ignored: a stage must still stop on `kill -INT` or `dvc queue kill`
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        main()
    except EmbedlabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
