"""authsvc: a gRPC authentication service for phone (flash call) and VK sign-up."""
