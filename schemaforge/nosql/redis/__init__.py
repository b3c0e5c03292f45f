"""The Redis target: the model (key families per access pattern), its seed as a pipe file, its
requests, the memory each family takes, and a reader that follows a request."""
