"""``python -m cnn101.experiments.replications NAME``: see :func:`main`."""

import sys

from cnn101.experiments.replications.command_line import main

if __name__ == "__main__":
    sys.exit(main())
