"""A client's history across sessions: the SQLite store, filing recordings, progress reports."""
