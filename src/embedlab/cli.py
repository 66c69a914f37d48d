"""What every stage entry point shares: one-line errors for user mistakes, a clean Ctrl-C."""
from __future__ import annotations

import signal
import sys
from typing import Callable

from embedlab.errors import EmbedlabError


def _terminate(signum, frame):
    # dvc queue kill sends SIGTERM; raising lets tracking mark the run killed and atomic writes clean up
    raise KeyboardInterrupt


def run_stage(main: Callable[[], object]) -> None:
    signal.signal(signal.SIGTERM, _terminate)
    try:
        main()
    except EmbedlabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
