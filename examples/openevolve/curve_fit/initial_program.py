"""A model of a measured curve: evolution tunes the polynomial between the markers.

Only the block between the EVOLVE-BLOCK markers may change; the sampling code below it is the
fixed harness the evaluator calls.
"""

# EVOLVE-BLOCK-START
def model(x):
    """The prediction at x: a first guess, a straight line through the origin."""
    slope = 1
    offset = 0
    bend = 0
    return bend * x * x + slope * x + offset
# EVOLVE-BLOCK-END


def sample(points, scale=1.0):
    """The model at each point, scaled; what evaluator.py scores."""
    return [scale * model(x) for x in points]
