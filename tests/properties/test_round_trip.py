"""For each dialect: a canonical request that dialect can say, encoded to the wire and decoded again, keeps
everything the dialect carries (``decode_request(encode_request(x))`` has the same view as ``x`` after the
dialect's documented rules)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dragoman.canonical.request import Request
from dragoman.dialects.registry import CODECS
from tests.properties.rules import expected, lens_for
from tests.properties.strategies import ORIGINS, PROFILES, requests
from tests.properties.views import view

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("dialect", sorted(PROFILES))
@FAST
@given(data=st.data())
def test_decode_of_encode_keeps_what_the_dialect_carries(dialect: str, data: st.DataObject) -> None:
    request: Request = data.draw(requests(PROFILES[dialect]))
    codec = CODECS[ORIGINS[dialect]]  # type: ignore[index]
    wire = codec.encode_request(request, "m")
    back = codec.decode_request(wire)
    lens = lens_for(dialect, dialect)
    assert back.untranslated == [], f"the decoder could not read what the encoder wrote: {back.untranslated}"
    assert view(back, lens) == view(expected(request, codec.name), lens), wire
