"""discretion: enforcement-discretion policy as code.

One policy definition drives an explaining evaluator (:func:`discretion.decide.decide`)
and, from the same rule tree, the population simulator.
"""

__version__ = "0.1.0"
