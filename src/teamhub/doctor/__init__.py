"""`teamhub doctor`: the checks an admin runs to know the hub works, each with a one-line fix."""
