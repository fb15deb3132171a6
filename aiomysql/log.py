"""The ``aiomysql`` logger (statements are logged to it with ``echo=True``)."""

import logging

logger = logging.getLogger("aiomysql")
