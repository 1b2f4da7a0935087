"""Allow ``python -m phenomena_catalog``."""

import sys

from phenomena_catalog.cli import main

sys.exit(main())
