# Sources of the ingest module (paths relative to lib/).
