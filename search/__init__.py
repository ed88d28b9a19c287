"""News search: the index, its two backends, query parsing and the listing filters (the
endpoints that use them are in cms/api/search.py)."""
