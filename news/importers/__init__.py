"""Importers that bring existing content into Newsroom as structured news posts.

Reading (no database): ``jekyll`` reads a Jekyll post into a ``ParsedPost`` with the help of
``liquid``, ``kramdown`` and ``metadata``; ``convert`` turns the rendered HTML into draft
body blocks (``drafts``), recognising what a press release says with ``patterns``.
Writing: ``writer`` creates or updates pages, one transaction per post, with ``body``,
``people`` and ``images`` resolving what the drafts name, ``publish`` saving new objects once
and ``matching`` finding earlier imports. docs/import.md has the map.
"""
