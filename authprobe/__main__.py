"""`python -m authprobe` is the same as the `authprobe` command."""

from authprobe.cli.app import main

if __name__ == "__main__":
    main()
