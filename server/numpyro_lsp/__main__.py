import sys

from numpyro_lsp.cli import main

sys.exit(main())
