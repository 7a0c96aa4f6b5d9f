"""The gRPC edge: the AuthService servicer, error statuses, call logging, the server."""
