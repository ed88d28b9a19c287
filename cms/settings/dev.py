"""Local development: DEBUG on unless the environment says otherwise."""

from cms.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
