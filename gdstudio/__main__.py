import sys

from gdstudio.cli import main

sys.exit(main())
