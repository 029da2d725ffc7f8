"""``python -m connectors.simulator``: the same as ``servicenorm simulate``."""

import sys

from connectors.simulator import main

sys.exit(main())
