"""Settings, split by concern and read from the environment.

Every setting an operator may change is read from an environment variable (see
``docs/operations.md``). With no environment at all, Rathaus runs as the embedded demo: SQLite in
``var/``, documents on local disk, e-mail to the console.
"""

from .base import *  # noqa: F403
from .domains import *  # noqa: F403
from .mail import *  # noqa: F403
from .security import *  # noqa: F403
from .storage import *  # noqa: F403
from .tasks import *  # noqa: F403
