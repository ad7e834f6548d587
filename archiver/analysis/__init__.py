"""Analysis of WARC archives and seeds: pure functions over records."""
