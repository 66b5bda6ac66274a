"""``python -m conformance record``: see :mod:`conformance.record`."""

import sys

from conformance import record

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] != "record":
        sys.exit(
            "usage: python -m conformance record [--flux FLUX] "
            "[--flux-scheduler fluxion|sched-simple] [-k MATCH]"
        )
    record.main(sys.argv[2:])
