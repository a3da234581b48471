"""``python -m policy_kb build|search|ask`` — see :mod:`policy_kb.cli`."""

import sys

from .cli import main

sys.exit(main())
