"""XGewerbeanzeige messages: the canonical notification, the versioned serializer and parser, the §
3 GewAnzV recipient matrix, the recipient directory and distribution.
"""
