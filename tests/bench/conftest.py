# The benchmarks are run with `python -m tests.bench.run_benchmarks`, never by pytest.
collect_ignore_glob = ["*"]
