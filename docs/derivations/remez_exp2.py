"""The coefficients of `particle_core`'s `2^r` (gaussian_blocks/exp.rs, POLY).

The polynomial p(r) = 1 + c1 r + ... + cd r^d with the least maximal
relative error |p(r) - 2^r| / 2^r on |r| <= 1/2, by the Remez exchange in
60-digit decimal arithmetic (standard library only). Prints the levelled
error and the coefficients rounded to f64 next to Taylor's ln(2)^j / j!.

    python3 docs/derivations/remez_exp2.py 10
"""
from decimal import Decimal as Dm, getcontext
import math
import sys

getcontext().prec = 60
LN2 = Dm(2).ln()
PI = Dm("3.14159265358979323846264338327950288419716939937510582097494")


def cos(x):
    x, s, t, k = Dm(x), Dm(0), Dm(1), 0
    while abs(t) >= Dm(10) ** -65:
        s += t
        k += 2
        t = -t * x * x / (k * (k - 1))
    return s


def two(r):
    return (Dm(r) * LN2).exp()


def solve(a, b):
    """Gauss-Jordan elimination with partial pivoting."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda i: abs(m[i][c]))
        m[c], m[p] = m[p], m[c]
        for i in range(n):
            if i != c:
                f = m[i][c] / m[c][c]
                for j in range(c, n + 1):
                    m[i][j] -= f * m[c][j]
    return [m[i][n] / m[i][i] for i in range(n)]


def remez(d, iterations=8, grid_points=4000):
    # d + 1 unknowns (c1..cd and the levelled error E), d + 1 reference
    # points, starting from Chebyshev's.
    pts = sorted(Dm(1) / 2 * cos(PI * Dm(2 * i + 1) / (2 * (d + 1))) for i in range(d + 1))
    grid = [Dm(-1) / 2 + Dm(i) / grid_points for i in range(grid_points + 1)]
    for _ in range(iterations):
        # 1 + sum c_j r^j - 2^r = (-1)^i E 2^r at the reference points.
        a = [[r**j for j in range(1, d + 1)] + [-((-1) ** i) * two(r)] for i, r in enumerate(pts)]
        b = [two(r) - 1 for r in pts]
        sol = solve(a, b)
        c, e = sol[:d], sol[d]

        def err(r):
            p = 1 + sum(c[j - 1] * r**j for j in range(1, d + 1))
            return (p - two(r)) / two(r)

        es = [err(r) for r in grid]
        # Local extrema of |error|, reduced to d + 1 alternating ones.
        ext = [
            i
            for i in range(len(grid))
            if (i == 0 or abs(es[i]) >= abs(es[i - 1]))
            and (i + 1 == len(grid) or abs(es[i]) >= abs(es[i + 1]))
        ]
        alt = []
        for i in ext:
            if alt and (es[i] > 0) == (es[alt[-1]] > 0):
                if abs(es[i]) > abs(es[alt[-1]]):
                    alt[-1] = i
            else:
                alt.append(i)
        while len(alt) > d + 1:
            alt.pop(0 if abs(es[alt[0]]) < abs(es[alt[-1]]) else -1)
        if len(alt) == d + 1:
            pts = [grid[i] for i in alt]
        worst = max(abs(x) for x in es)
    return c, e, worst


if __name__ == "__main__":
    d = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    c, e, worst = remez(d)
    print(f"degree {d}: levelled error {float(e):.3e}, largest on the grid {float(worst):.3e}")
    for j, cj in enumerate(c, 1):
        print(f"    {float(cj)!r},  // c{j}; Taylor {float(LN2**j / math.factorial(j))!r}")
