"""``python -m connectors.zgw``."""

import sys

from connectors.zgw.cli import main

sys.exit(main())
