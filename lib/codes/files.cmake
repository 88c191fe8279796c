# Sources of the codes module (paths relative to lib/).
