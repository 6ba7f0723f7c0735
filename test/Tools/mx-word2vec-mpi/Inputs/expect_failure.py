"""Runs a command that must fail cleanly: expect_failure.py SECONDS CMD...

Exits 0 only if CMD ends by itself within SECONDS with a non-zero status
(an error, not a hang); its stdout and stderr are passed through, then a
line "expect_failure: status N" (so a test can check the status). A
command still running after SECONDS is killed (with its process group)
and counts as a failure of the test, as does a zero status.
"""
import os
import signal
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    limit = float(sys.argv[1])
    start = time.monotonic()
    process = subprocess.Popen(sys.argv[2:], start_new_session=True)
    try:
        status = process.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        sys.stdout.flush()
        print("expect_failure: still running after %g s: a hang" % limit,
              file=sys.stderr)
        sys.exit(1)
    elapsed = time.monotonic() - start
    sys.stdout.flush()
    sys.stderr.flush()
    print("expect_failure: status %d" % status, file=sys.stderr)
    if status == 0:
        print("expect_failure: the command succeeded (%.1f s)" % elapsed,
              file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
