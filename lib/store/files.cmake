# Sources of the store module (paths relative to lib/).
