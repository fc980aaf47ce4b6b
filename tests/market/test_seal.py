"""The sealing primitives: what is encrypted opens only unaltered, in its place, with a key of the ring."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from ouvert.market import seal


def test_a_sealed_document_opens_to_its_canonical_bytes_and_the_receipt_is_their_sha256():
    document = {"b": "é", "a": [1, 2]}
    sealed = seal.seal(document, aad="market.submission:1:1")
    plain = seal.unseal(sealed.ciphertext, sealed.wrapped_key, sealed.key_id, aad="market.submission:1:1")
    assert plain == '{"a":[1,2],"b":"é"}'.encode()
    assert json.loads(plain) == document
    assert sealed.digest == seal.sha256(plain)
    assert sealed.sealed_digest == seal.sha256(sealed.ciphertext)
    assert "é".encode() not in sealed.ciphertext and b'"a"' not in sealed.ciphertext


def test_two_seals_of_one_document_differ_but_give_the_same_receipt():
    first, second = (seal.seal({"x": 1}, aad="a") for _ in range(2))
    assert first.ciphertext != second.ciphertext and first.wrapped_key != second.wrapped_key
    assert first.digest == second.digest


def test_an_altered_or_moved_ciphertext_does_not_open():
    sealed = seal.seal({"x": 1}, aad="market.submission:1:1")
    altered = bytearray(sealed.ciphertext)
    altered[-1] ^= 1
    with pytest.raises(seal.SealBroken):
        seal.unseal(bytes(altered), sealed.wrapped_key, sealed.key_id, aad="market.submission:1:1")
    with pytest.raises(seal.SealBroken):
        seal.unseal(sealed.ciphertext, sealed.wrapped_key, sealed.key_id, aad="market.submission:2:1")


def test_rotation_the_first_key_seals_and_every_key_of_the_ring_opens(settings):
    old, new = seal.new_master_key(), seal.new_master_key()
    settings.OUVERT_MARKET_SEAL_KEYS = f"k1:{old}"
    before = seal.seal({"x": 1}, aad="a")
    settings.OUVERT_MARKET_SEAL_KEYS = f"k2:{new},k1:{old}"
    after = seal.seal({"x": 2}, aad="a")
    assert (before.key_id, after.key_id) == ("k1", "k2")
    assert seal.unseal(before.ciphertext, before.wrapped_key, "k1", aad="a") == b'{"x":1}'
    settings.OUVERT_MARKET_SEAL_KEYS = f"k2:{new}"
    with pytest.raises(seal.SealBroken, match="k1"):
        seal.unseal(before.ciphertext, before.wrapped_key, "k1", aad="a")


@pytest.mark.parametrize("value", ["nokey", "k1:", "k1:dG9vLXNob3J0", ":" + "A" * 43, "k" * 21 + ":" + "A" * 43])
def test_a_malformed_key_ring_is_refused_with_the_expected_form(settings, value):
    settings.OUVERT_MARKET_SEAL_KEYS = value
    with pytest.raises(ImproperlyConfigured, match="id:<32 bytes in base64>"):
        seal.seal({"x": 1}, aad="a")


def test_the_fixture_seals_in_the_documented_format(db, opportunity_factory, supplier_a, sealed_submission):
    opportunity = opportunity_factory()
    proposal, submission = sealed_submission(opportunity, supplier_a)
    plain = seal.unseal(submission.sealed, submission.wrapped_key, submission.key_id,
                        aad=seal.submission_aad(proposal.pk, 1))
    document = json.loads(plain)
    assert document["format"] == seal.DOCUMENT_FORMAT and document["opportunity"] == opportunity.reference
    assert set(seal.CONTENT_FIELDS) <= set(document["content"]) and seal.sha256(plain) == submission.receipt
