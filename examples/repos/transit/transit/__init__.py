"""transit: timetables, journey planning and zone fares for a small bus network.

The network that ships with the package (``transit/data``) is read by ``load_network()``.
"""

__version__ = "1.2.0"
