"""The double-random draw (docs/draw.md, DRAW-v1), in two modules:

- algorithm: the reference algorithm, pure and standard library only (canonical files,
  parameters.json, seed, tickets, quotas, team assignment, the published result);
- engine: the optional process pool that spreads step 4's hashing (DRAW_PROCESSES,
  DRAW_PARALLEL_MIN_PAIRS) and gives the same result.

inspections/verify_draw.py stays a standalone re-implementation for the public.
"""
