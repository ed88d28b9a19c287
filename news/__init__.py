"""The newsroom: news pages, body blocks, reusable people and organisations, publishing."""
