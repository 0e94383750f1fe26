"""Settings for the test suite: production settings, but plain HTTP (test client, live server)
and a fast password hasher. Everything else — database from DATABASE_URL included — is as in
production, so the tests exercise the real configuration."""

import os

os.environ.setdefault("RATHAUS_INSECURE_HTTP", "1")

from rathaus.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Quiet test output: third-party libraries only warn; our own loggers keep INFO (the worker
# tests read the worker's log lines).
LOGGING = {
    **LOGGING,  # noqa: F405
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"rathaus": {"level": "INFO"}},
}

# Tests drive periodic jobs explicitly (rathaus.core.periodic.run_due_jobs); a worker started by
# a test delivers and runs tasks only.
RATHAUS_WORKER_PERIODIC = False
