"""The dashboard's pages: one module per page, each with ``register(app, data_dir)``."""
