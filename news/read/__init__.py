"""Newsroom's read side: the JSON frontends get, built with a bounded number of queries.

* ``selectors``: every query a render makes, next to the related rows it preloads;
* ``resolver``: the ``Resolver`` (bulk loading of what a render refers to) and the render's
  context (the active resolver), page paths, whole streams;
* ``rendition_cache``, ``images``: renditions, ``srcset``, social images;
* ``richtext``: links rewritten to frontend paths, embedded images, sanitising;
* ``people``: people and organisations;
* ``video``: YouTube/Vimeo embeds.

The page JSON built from these (cards and full pages) is ``news.serializers``.
"""
