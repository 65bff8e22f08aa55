"""Reading the archive for research: SQL over the current-articles table, citations."""
