"""The Newsroom Django project: settings, URLs, WSGI/ASGI entry points and API wiring."""
