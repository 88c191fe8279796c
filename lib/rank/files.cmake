# Sources of the rank module (paths relative to lib/).
