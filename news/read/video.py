"""Video embeds: a YouTube or Vimeo page URL turned into a privacy-friendly embed URL.

Parsed from the URL alone (no oEmbed call): only these two providers are accepted, so no
untrusted iframe can reach a frontend, and nothing here touches the network.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be"}
VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}
YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{6,20}")
VIMEO_ID = re.compile(r"/(\d{3,12})(?:/|$)")


def parse_video_url(url: str) -> dict | None:
    """YouTube or Vimeo page URL → provider, id and a privacy-friendly embed URL; else None."""
    try:
        parsed = urlparse(url.strip())
    except ValueError:
        return None
    host = (parsed.hostname or "").lower()
    if parsed.scheme not in {"http", "https"}:
        return None
    if host in YOUTUBE_HOSTS:
        video_id = _youtube_id(host, parsed.path, parsed.query)
        if YOUTUBE_ID.fullmatch(video_id):
            return {
                "provider": "youtube",
                "video_id": video_id,
                "embed_url": f"https://www.youtube-nocookie.com/embed/{video_id}",
            }
    if host in VIMEO_HOSTS:
        match = VIMEO_ID.search(parsed.path)
        if match:
            video_id = match.group(1)
            return {
                "provider": "vimeo",
                "video_id": video_id,
                "embed_url": f"https://player.vimeo.com/video/{video_id}?dnt=1",
            }
    return None


def _youtube_id(host: str, path: str, query: str) -> str:
    if host == "youtu.be":
        return path.strip("/").split("/")[0]
    if path == "/watch":
        return (parse_qs(query).get("v") or [""])[0]
    if path.startswith(("/embed/", "/shorts/", "/live/")):
        return path.split("/")[2]
    return ""
