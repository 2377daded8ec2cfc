"""Certificates and signed objects with the quirks real issuers write, made here (no corpus needed).

Each helper takes a certificate made by ``cardkit.pki.certs`` (a correct one), changes its TBSCertificate
with asn1crypto the way some state's CSCA does, and signs it again with the issuer's key, so the
signature is genuine and only the quirk differs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from asn1crypto import algos, cms, core, keys, x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cardkit.pki.signers import KeyFileSigner

P256 = ec.SECP256R1()
# SEC 2 secp256r1 domain parameters and seed (the explicit form some issuers write)
_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
_A = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC
_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
_GX = 0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296
_GY = 0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5
_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_SEED = bytes.fromhex("C49D360886E704936A6678E1139D26B7819F7E90")


def resign(cert: x509.Certificate | bytes, issuer: KeyFileSigner,
           edit: Callable[[asn1_x509.TbsCertificate], None]) -> bytes:
    """``cert`` with its TBSCertificate changed by ``edit`` and signed again by ``issuer``'s key (ECDSA SHA-256)."""
    der = cert if isinstance(cert, bytes) else cert.public_bytes(serialization.Encoding.DER)
    c = asn1_x509.Certificate.load(der)
    tbs = c["tbs_certificate"]
    edit(tbs)
    tbs_der = tbs.dump()  # re-encodes what changed only: odd encodings elsewhere stay as they are
    sig = issuer.private_key.sign(tbs_der, ec.ECDSA(hashes.SHA256()))
    alg = tbs["signature"]
    return asn1_x509.Certificate({"tbs_certificate": asn1_x509.TbsCertificate.load(tbs_der),
                                  "signature_algorithm": alg, "signature_value": sig}).dump()


def ecdsa_with_null(tbs: asn1_x509.TbsCertificate) -> None:
    """ecdsa-with-SHA256 written with NULL parameters (RFC 5758 §3.2 says absent), as the Austrian CSCA does."""
    tbs["signature"] = algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa", "parameters": core.Null()})


def serial(value: int) -> Callable[[asn1_x509.TbsCertificate], None]:
    def edit(tbs: asn1_x509.TbsCertificate) -> None:
        tbs["serial_number"] = value
    return edit


def explicit_p256_spki(public_key: ec.EllipticCurvePublicKey, *, seed_unused_bits: int = 0) -> bytes:
    """The key's SubjectPublicKeyInfo with secp256r1 written out (X9.62 specifiedCurve), seed BIT STRING as asked."""
    point = public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    spec = keys.SpecifiedECDomain({
        "version": "ecdpVer1",
        "field_id": {"field_type": "prime_field", "parameters": _P},
        "curve": {"a": _A.to_bytes(32, "big"), "b": _B.to_bytes(32, "big"), "seed": _SEED},
        "base": b"\x04" + _GX.to_bytes(32, "big") + _GY.to_bytes(32, "big"),
        "order": _N, "cofactor": 1,
    })
    params = spec.dump()
    if seed_unused_bits:  # the Russian CSCAs: the same 160-bit seed as a BIT STRING with unused bits
        plain = b"\x03\x15\x00" + _SEED
        odd = b"\x03\x15" + bytes([seed_unused_bits]) + _SEED[:-1] + bytes([_SEED[-1] & (0xFF << seed_unused_bits) & 0xFF])
        assert plain in params
        params = params.replace(plain, odd)
    return keys.PublicKeyInfo({"algorithm": {"algorithm": "ec", "parameters": keys.ECDomainParameters.load(params)},
                               "public_key": point}).dump()


def with_spki(spki: bytes) -> Callable[[asn1_x509.TbsCertificate], None]:
    def edit(tbs: asn1_x509.TbsCertificate) -> None:
        tbs["subject_public_key_info"] = keys.PublicKeyInfo.load(spki)
    return edit


def ca_false_with_path_length(tbs: asn1_x509.TbsCertificate) -> None:
    """basicConstraints cA=false with pathLenConstraint 0, as the Italian CSCA writes it (RFC 5280 §4.2.1.9: not allowed)."""
    exts = tbs["extensions"]
    for ext in exts:
        if ext["extn_id"].native == "basic_constraints":
            ext["extn_value"] = core.ParsableOctetString(b"\x30\x03\x02\x01\x00")  # SEQUENCE { pathLen 0 }
    tbs["extensions"] = exts


def resign_signed_data(ci_der: bytes, signer: KeyFileSigner, edit: Callable[[cms.SignedData], None]) -> bytes:
    """A CMS ContentInfo(SignedData) after ``edit``, its messageDigest and signature made again (ECDSA SHA-256)."""
    ci = cms.ContentInfo.load(ci_der)
    sd = ci["content"]
    edit(sd)
    econtent = sd["encap_content_info"]["content"].native
    si = sd["signer_infos"][0]
    attrs = cms.CMSAttributes([
        {"type": "content_type", "values": [sd["encap_content_info"]["content_type"]]},
        {"type": "message_digest", "values": [hashlib.sha256(econtent).digest()]},
    ])
    si["signed_attrs"] = attrs
    si["signature"] = signer.private_key.sign(attrs.dump(force=True), ec.ECDSA(hashes.SHA256()))
    return cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump(force=True)
