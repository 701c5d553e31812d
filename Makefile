# Thin wrapper over the scripts (which wrap CMake), for those who prefer make.
.PHONY: demo test sanitize bench fixtures
demo:
	./scripts/demo.sh
test:
	./scripts/test.sh
sanitize:
	./scripts/sanitize.sh
bench:
	./scripts/build.sh >/dev/null && ./build/bench/gemm_bench
fixtures:
	/usr/bin/python3 tools/make_fixtures.py
