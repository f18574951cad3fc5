"""Population simulation: the same policies, compiled to SQL, over many case records.

``compile`` and ``query`` turn the rule tree into SQL; ``engines`` run it on DuckDB,
PostgreSQL or Spark; ``adapters`` read real ICE records and ``population_io`` the
generic population format; ``synth`` makes a synthetic population.
"""
