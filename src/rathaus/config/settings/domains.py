"""Settings of the domain apps (parking, payments, trade office, XGewerbeanzeige, API), read from
the environment like every other setting (``docs/operations.md``). The apps read them with
``getattr(settings, …, default)``; the defaults here are the same."""

import json

from .env import env_int, env_str

# parking: the Melderegister connector (dotted path of a class; empty: the register imported
# into the platform) and the secret the municipalities' signing keys are encrypted with (empty:
# derived from DJANGO_SECRET_KEY)
RATHAUS_PARKING_REGISTRY = env_str("RATHAUS_PARKING_REGISTRY", "")
RATHAUS_PARKING_KEY_SECRET = env_str("RATHAUS_PARKING_KEY_SECRET", "")

# payments: the local XBezahldienste simulator of the demo; minutes after which a pending online
# payment is asked for its status
RATHAUS_PAYMENT_SIMULATOR_URL = env_str("RATHAUS_PAYMENT_SIMULATOR_URL", "http://127.0.0.1:8765")
RATHAUS_PAYMENT_RECONCILE_MINUTES = env_int("RATHAUS_PAYMENT_RECONCILE_MINUTES", 10)

# trade office: fallback postcodes per municipality for the business-address check when it has
# no address register, as JSON {"<slug>": ["33098", …]}
RATHAUS_TRADE_POSTCODES = json.loads(env_str("RATHAUS_TRADE_POSTCODES") or "{}")

# XGewerbeanzeige: folder with the official XSD files (validation before sending), root below
# which drop folders for OSCI/XTA gateways may lie, timeout of the HTTP transport
RATHAUS_XGEWERBE_XSD_DIR = env_str("RATHAUS_XGEWERBE_XSD_DIR", "")
RATHAUS_XGEWERBE_DROPFOLDER_ROOT = env_str("RATHAUS_XGEWERBE_DROPFOLDER_ROOT", "")
RATHAUS_XGEWERBE_HTTP_TIMEOUT = env_int("RATHAUS_XGEWERBE_HTTP_TIMEOUT", 15)

# API: access-token lifetime, RSA key size of the intake encryption keys, webhook timeout
RATHAUS_API_TOKEN_SECONDS = env_int("RATHAUS_API_TOKEN_SECONDS", 900)
RATHAUS_API_INTAKE_KEY_BITS = env_int("RATHAUS_API_INTAKE_KEY_BITS", 4096)
RATHAUS_WEBHOOK_TIMEOUT = env_int("RATHAUS_WEBHOOK_TIMEOUT", 15)
# API: how long idempotency keys are remembered (hours) and the call log kept (days)
RATHAUS_API_IDEMPOTENCY_HOURS = env_int("RATHAUS_API_IDEMPOTENCY_HOURS", 48)
RATHAUS_API_CALL_LOG_DAYS = env_int("RATHAUS_API_CALL_LOG_DAYS", 180)
