"""Where uploaded and generated documents live: local disk by default, S3 by configuration."""

from .base import VAR_DIR
from .env import env_int, env_str

MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media-not-served/"  # documents are only ever served through access-checked views

STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if env_str("RATHAUS_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("RATHAUS_S3_BUCKET"),
            "endpoint_url": env_str("RATHAUS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("RATHAUS_S3_REGION") or None,
            "access_key": env_str("RATHAUS_S3_ACCESS_KEY"),
            "secret_key": env_str("RATHAUS_S3_SECRET_KEY"),
            "file_overwrite": False,
            "default_acl": None,
        },
    }

# Upper bound for any one upload; a service definition may set a lower one per field.
RATHAUS_MAX_UPLOAD_BYTES = env_int("RATHAUS_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# Upper bound for a whole request (a form step with its uploads); larger bodies get a 413 page.
RATHAUS_MAX_REQUEST_BYTES = env_int("RATHAUS_MAX_REQUEST_BYTES", 2 * RATHAUS_MAX_UPLOAD_BYTES)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
