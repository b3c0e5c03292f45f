import sys

from schemaforge.cli import main

sys.exit(main())
