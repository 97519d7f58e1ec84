"""The embedded demo: a local hub, a demo advisor and a simulated customer."""
