"""`python -m eventcodec ...`: the `eventcodec` command."""

import sys

from eventcodec.cli.main import main

sys.exit(main())
