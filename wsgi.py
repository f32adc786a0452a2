"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import gc

from app import create_app

app = create_app()
# What start-up made (modules, the app, its templates' code) lives as long as the process:
# frozen, it is no longer walked by every full collection, which otherwise costs a served
# page a third of its time.
gc.freeze()
