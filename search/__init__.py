"""News search: the search endpoint and how posts are indexed."""
