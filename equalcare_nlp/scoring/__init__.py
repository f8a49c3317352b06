"""Scores for tables: the scoring options, the chunk scorer, output columns, the local and Dask engines."""
