"""`python -m authprobe.demo --write FOLDER`: regenerate the demo college's files."""

from authprobe.demo import main

raise SystemExit(main())
