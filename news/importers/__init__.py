"""Importers that bring existing content into Newsroom as structured news posts.

``jekyll`` reads a Jekyll post (front matter + kramdown-flavoured Markdown) into a
``ParsedPost`` without touching the database; ``convert`` turns the rendered HTML into draft
body blocks (paragraphs, headings, quotes, "About" boilerplates, images, tables, code…);
``writer`` creates or updates pages, people, organisations, images and redirects, one
transaction per post.
"""
