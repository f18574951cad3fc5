"""Population simulation: data adapters for real ICE records, mapping tables, samples,
the generic population file format and a synthetic population generator."""
