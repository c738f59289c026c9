"""``python -m petri``: the same as the ``petri`` command."""

from petri.cli import main

if __name__ == "__main__":
    main()
