"""``python -m cnn101.experiments``: runs :func:`cnn101.experiments.command_line.main`."""

import sys

from cnn101.experiments.command_line import main

sys.exit(main())
