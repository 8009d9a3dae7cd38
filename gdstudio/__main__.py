import sys

from gdstudio.cli.main import main

sys.exit(main())
