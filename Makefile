# Newsroom — the two commands: `make run` (CMS + frontend with demo content) and `make test`.
.PHONY: run test test-postgres lint format lock types bench-api bench-search bench-webhooks

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

# Re-pin requirements/lock.txt and dev-lock.txt after editing pyproject.toml's dependencies
# (ARGS="--upgrade" or ARGS="--upgrade-package NAME" to move pins; docs/development.md).
lock:
	scripts/lock.sh $(ARGS)

# Regenerate the API's TypeScript types (frontend/src/lib/api-types.ts, also compiled by
# contract/) from the OpenAPI document the code serves; commit the result.
types:
	scripts/bootstrap.sh --dev
	scripts/frontend.sh install
	cd frontend && npm run --silent gen:types
