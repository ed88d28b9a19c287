# Newsroom — the two commands: `make run` (CMS + frontend with demo content) and `make test`.
.PHONY: run test test-postgres lint format bench-api bench-search bench-webhooks

run:
	scripts/run.sh

test:
	scripts/test.sh

test-postgres:
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom scripts/test.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .
