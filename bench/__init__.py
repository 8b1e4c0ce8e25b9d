"""okrbot's benchmarks: `python -m bench [names…] [--quick]` (or `make bench`); see docs/benchmarks.md."""
