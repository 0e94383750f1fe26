"""Static files for the bench server: whitenoise's compressed manifest storage, but without
rewriting ``sourceMappingURL`` comments — the vendored Leaflet build references a
``leaflet.js.map`` that is not shipped, which makes plain ``collectstatic`` fail (reported to the
lead; see docs/performance.md)."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class BenchStaticStorage(CompressedManifestStaticFilesStorage):
    patterns = tuple(
        (extension, tuple(p for p in rules if "sourceMappingURL" not in str(p)))
        for extension, rules in CompressedManifestStaticFilesStorage.patterns
    )
