"""Protocol constants: CLIENT, COMMAND, FIELD_TYPE, FLAG, SERVER_STATUS, ER, CR.

A base package, below every layer (with ``aiomysql.errors``): ``aiomysql.protocol``
uses it, so it imports nothing of aiomysql.
"""

from . import CLIENT, COMMAND, CR, ER, FIELD_TYPE, FLAG, SERVER_STATUS

__all__ = ["CLIENT", "COMMAND", "CR", "ER", "FIELD_TYPE", "FLAG", "SERVER_STATUS"]
