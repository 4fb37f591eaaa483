"""Destek benchmarks: a data generator (`destek seed`) and an HTTP load runner.

See bench/README.md. Benchmarks are not tests: nothing here asserts wall-clock time.
"""
