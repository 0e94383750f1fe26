"""Geodata of a municipality: address register, zones (resident parking areas), the spatial lookup
and the public map.
"""
