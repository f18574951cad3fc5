"""Population simulation: the same policies, compiled to SQL, over many case records."""
