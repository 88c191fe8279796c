# Sources of the feedback module (paths relative to lib/).
