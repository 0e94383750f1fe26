"""The digital trade office (Gewerbeamt): GewA1/2/3 notifications, WZ 2008 search, the trade
register, statistics and information requests.
"""
