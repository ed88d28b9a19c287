"""API wiring: Wagtail's v3 (main contract) and v2 with Newsroom's routers mounted on them."""
