"""Dialect codecs. Each subpackage converts one wire protocol to and from the canonical model."""
