# Sources of the text module (paths relative to lib/).
