"""Settings modules: ``base`` reads the environment, ``dev``/``test``/``production`` adjust it."""
