"""The primes below a limit: correct, but slower than it needs to be.

Between the markers is the search evolution may rewrite; the function below them is the fixed
entry point the evaluator calls.
"""

# EVOLVE-BLOCK-START
def primes_below(limit):
    """Every prime below limit, smallest first, by trial division."""
    numbers = list(range(2, limit))
    primes = []
    for n in numbers:
        if all(n % d != 0 for d in numbers if d < n):
            primes.append(n)
    return primes
# EVOLVE-BLOCK-END


def primes_between(low, high):
    """The primes p with low <= p < high."""
    return [p for p in primes_below(high) if p >= low]
