"""The pose process's entry point: ``python -m kiosk.analysis.pose_child FD`` (started by ``pose_process``).

A module of its own so that ``ps`` names the process plainly and the child never imports
the kiosk's ``__main__``.
"""

import sys

from kiosk.analysis.pose_process import child_main

if __name__ == "__main__":
    sys.exit(child_main(int(sys.argv[1])))
