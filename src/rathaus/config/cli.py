"""The ``rathaus`` command: Django's management commands plus Rathaus' own.

``rathaus serve`` starts web server and worker together (what ``make run`` uses),
``rathaus worker`` runs the background worker alone, ``rathaus audit verify`` checks the
hash chain of every case history.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rathaus.config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "rathaus"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
