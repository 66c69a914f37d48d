"""embedlab-reproduce as its command runs it, for tests, with one more line at the end: whether it
had malloc keep freed memory (cli.keep_freed_memory), which the C library itself cannot tell."""
import sys

from embedlab import cli, reproduce

kept = []
cli.keep_freed_memory = reproduce.keep_freed_memory = lambda: kept.append(1) or True
try:
    reproduce.main(sys.argv[1:])
finally:
    print(f"kept freed memory: {bool(kept)}", flush=True)
