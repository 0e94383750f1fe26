"""The benchmark suite (``make bench``, ``make bench-quick``); see docs/performance.md."""
