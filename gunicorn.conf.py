"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`. Every value from the environment."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Bounded request lines and headers; bodies are capped by the app (MAX_CONTENT_LENGTH).
limit_request_line = 8190
limit_request_fields = 100
accesslog = "-"
errorlog = "-"
# Never log query strings with tokens in them: log the path only.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Under gunicorn the app runs with production settings unless told otherwise.
os.environ.setdefault("GOLDEN_THREAD_ENV", "production")
