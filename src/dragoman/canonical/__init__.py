"""The canonical model every dialect codec decodes into and encodes from.

Import from the submodules directly (``dragoman.canonical.request`` …); this package re-exports nothing
so that each name has exactly one home.
"""
