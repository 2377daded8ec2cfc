"""CV certificate chains and the builder: every refusal has its own reason (9303-11 §7.1.4.3; TR-03110-3)."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from cardkit.algorithms import ID_AT, ta_algorithm
from cardkit.crypto.cvc import Chat, CvCertificate, CvCertificateBody, Role
from cardkit.crypto.cvc_keys import ec_public_key
from cardkit.crypto.cvc_validation import CvKey, CvRejected, Rejection, import_certificate
from cardkit.errors import InputError, VerificationError
from cardkit.pki.cvc import CvCertificateBuilder, TaSignerAdapter
from cardkit.pki.cvc_chain import chain_for, validate_chain
from cardkit.pki.signers import KeyFileSigner
from tests.support.cvc_pki import D0, issue, key, make_cv_pki, point

TODAY = D0 + dt.timedelta(days=1)


def rejected(reason: Rejection, chain, trust, today=TODAY, **kw) -> CvRejected:
    with pytest.raises(CvRejected) as e:
        validate_chain(chain, trust, today, **kw)
    assert e.value.reason is reason, str(e.value)
    assert isinstance(e.value, VerificationError) and e.value.exit_code == 1
    return e.value


def test_valid_chain_and_effective_rights():
    pki = make_cv_pki()
    r = validate_chain(pki.chain, [pki.cvca], TODAY)
    assert r.trust_point == pki.cvca.chr and r.role is Role.TERMINAL
    assert (r.read_dg3, r.read_dg4) == (True, False) and r.key.chr == pki.is_.chr
    # the CVCA root sent along is recognised as the trust point, not imported twice
    assert validate_chain([pki.cvca, *pki.chain], [pki.cvca], TODAY).certificates == (pki.dv, pki.is_)


def test_wrong_signature():
    pki, other = make_cv_pki(), make_cv_pki(prefix="X")
    forged = CvCertificate.assemble(pki.is_.body, other.is_.signature)
    e = rejected(Rejection.BAD_SIGNATURE, [pki.dv, forged], [pki.cvca])
    assert e.chr == pki.is_.chr and pki.is_.chr in str(e)


def test_wrong_car():
    pki = make_cv_pki()
    b = pki.is_.body
    body = CvCertificateBody.build(car="VNDV900001", public_key=b.public_key, chr=b.chr, chat=b.chat,
                                   effective_date=b.effective_date, expiration_date=b.expiration_date)
    rejected(Rejection.WRONG_ISSUER, [pki.dv, CvCertificate.assemble(body, pki.is_.signature)], [pki.cvca])


def test_expired_and_not_yet_valid():
    pki = make_cv_pki(is_days=5)
    e = rejected(Rejection.EXPIRED, pki.chain, [pki.cvca], today=D0 + dt.timedelta(days=6))
    assert e.chr == pki.is_.chr
    e = rejected(Rejection.NOT_YET_VALID, pki.chain, [pki.cvca], today=D0 - dt.timedelta(days=1))
    assert e.chr == pki.dv.chr
    # the chip-side step (no strict dates) accepts a certificate not yet effective
    k = import_certificate(CvKey.trust_point(pki.cvca), pki.dv, D0 - dt.timedelta(days=1))
    assert k.chr == pki.dv.chr


def test_insufficient_rights():
    pki = make_cv_pki(is_rights=(True, False))
    rejected(Rejection.INSUFFICIENT_RIGHTS, pki.chain, [pki.cvca], require_dg4=True)
    assert validate_chain(pki.chain, [pki.cvca], TODAY, require_dg3=True).read_dg3
    weak = make_cv_pki(cvca_rights=(False, True), is_rights=(True, True))
    r = validate_chain(weak.chain, [weak.cvca], TODAY)
    assert (r.read_dg3, r.read_dg4) == (False, True)  # the CVCA's missing DG3 right ends it for everyone below
    rejected(Rejection.INSUFFICIENT_RIGHTS, weak.chain, [weak.cvca], require_dg3=True)


def test_dv_used_as_terminal():
    pki = make_cv_pki()
    e = rejected(Rejection.NOT_A_TERMINAL, [pki.dv], [pki.cvca])
    assert e.chr == pki.dv.chr
    assert validate_chain([pki.dv], [pki.cvca], TODAY, terminal=False).role is Role.DV_DOMESTIC


def test_chain_not_reaching_the_trust_point():
    pki, stranger = make_cv_pki(), make_cv_pki(prefix="Z")
    e = rejected(Rejection.NO_TRUST_POINT, stranger.chain, [pki.cvca])
    assert e.chr == stranger.dv.chr
    rejected(Rejection.NO_TRUST_POINT, [pki.is_], [pki.cvca])  # the DV certificate is missing


def _link(old, new, effective, days=400):
    return issue(issuer=old.cvca, issuer_key=old.cvca_key, subject_key=new.cvca_key, car=old.cvca.chr,
                 chr=new.cvca.chr, chat=new.cvca.chat, effective=effective,
                 expiration=effective + dt.timedelta(days=days), algorithm=new.algorithm, domain_parameters=True)


def test_link_certificates():
    old = make_cv_pki(prefix="A")
    new = make_cv_pki("secp384r1", "sha384", prefix="B")  # a link may change curve and hash
    link = _link(old, new, D0)
    r = validate_chain([link, *new.chain], [old.cvca], TODAY)
    assert r.certificates[0] == link and r.key.key.curve.name == "secp384r1"
    # an expired link still links to the next CVCA key, but that key no longer certifies DVs
    expired_link = _link(old, new, D0 - dt.timedelta(days=30), days=10)
    rejected(Rejection.TRUST_POINT_EXPIRED, [expired_link, *new.chain], [old.cvca])
    newest = make_cv_pki(prefix="C")
    chain = [expired_link, _link(new, newest, D0), *newest.chain]
    assert validate_chain(chain, [old.cvca], TODAY).key.chr == newest.is_.chr


def test_role_and_terminal_type_rules():
    pki = make_cv_pki()
    is_by_cvca = issue(issuer=pki.cvca, issuer_key=pki.cvca_key, subject_key=pki.is_key, car=pki.cvca.chr,
                       chr="VNIS200001", chat=pki.is_.chat, effective=D0, expiration=D0 + dt.timedelta(days=9),
                       algorithm=pki.algorithm)
    rejected(Rejection.ROLE, [is_by_cvca], [pki.cvca])
    dv_by_dv = issue(issuer=pki.dv, issuer_key=pki.dv_key, subject_key=key(pki.curve, "dv2"), car=pki.dv.chr,
                     chr="VNDV200001", chat=pki.dv.chat, effective=D0, expiration=D0 + dt.timedelta(days=9),
                     algorithm=pki.algorithm)
    rejected(Rejection.ROLE, [pki.dv, dv_by_dv], [pki.cvca], terminal=False)
    at_terminal = issue(issuer=pki.dv, issuer_key=pki.dv_key, subject_key=pki.is_key, car=pki.dv.chr,
                        chr="VNAT00001", chat=Chat.build(ID_AT, bytes(5)), effective=D0,
                        expiration=D0 + dt.timedelta(days=9), algorithm=pki.algorithm)
    rejected(Rejection.TERMINAL_TYPE, [pki.dv, at_terminal], [pki.cvca])
    with pytest.raises(CvRejected) as e:
        CvKey.trust_point(pki.dv)
    assert e.value.reason is Rejection.ROLE


def test_trust_point_expired_for_dvs():
    pki = make_cv_pki(cvca_days=10, dv_days=5)
    late = make_cv_pki(cvca_days=10, dv_days=60, is_days=50)
    rejected(Rejection.TRUST_POINT_EXPIRED, late.chain, [late.cvca], today=D0 + dt.timedelta(days=20))
    assert pki.cvca.chr == late.cvca.chr


def test_anchor_without_domain_parameters_is_unusable():
    pki = make_cv_pki()
    b = pki.cvca.body
    bare = ec_public_key(pki.algorithm, point(pki.cvca_key), None)
    body = CvCertificateBody.build(car=b.car, public_key=bare, chr=b.chr, chat=b.chat,
                                   effective_date=b.effective_date, expiration_date=b.expiration_date)
    rejected(Rejection.BAD_KEY, pki.chain, [CvCertificate.assemble(body, pki.cvca.signature)])


def test_bad_dates_are_refused():
    pki = make_cv_pki()
    body = CvCertificateBody.build(car=pki.dv.chr, public_key=pki.is_.public_key, chr=pki.is_.chr, chat=pki.is_.chat,
                                   effective_date=D0 + dt.timedelta(days=3), expiration_date=D0)
    signer = KeyFileSigner(pki.dv_key, None, "sha256")
    cert = CvCertificate.assemble(body, TaSignerAdapter(signer, pki.algorithm).sign(body.raw))
    rejected(Rejection.BAD_DATES, [pki.dv, cert], [pki.cvca])


def test_chain_for_picks_the_path_from_the_chips_trust_point():
    old = make_cv_pki(prefix="A")
    new = make_cv_pki(prefix="B")
    link = _link(old, new, D0)
    held = [new.is_, new.cvca, link, new.dv]
    assert chain_for([new.cvca.chr, old.cvca.chr], held) == [new.dv, new.is_]
    assert chain_for([old.cvca.chr], held) == [link, new.dv, new.is_]
    with pytest.raises(CvRejected) as e:
        chain_for(["DECVCA00001"], held)
    assert e.value.reason is Rejection.NO_TRUST_POINT
    with pytest.raises(CvRejected) as e:
        chain_for([old.cvca.chr], [new.dv, old.is_, new.is_])
    assert e.value.reason is Rejection.NOT_A_TERMINAL
    assert chain_for([old.cvca.chr], [old.dv, old.is_, new.is_], terminal_chr=old.is_.chr) == [old.dv, old.is_]


# --- the builder -----------------------------------------------------------------------------


def _builder(pki, **skip):
    b = CvCertificateBuilder()
    steps = {
        "car": lambda b: b.certification_authority_reference(pki.dv.chr),
        "chr": lambda b: b.holder_reference("VNIS900001"),
        "key": lambda b: b.public_key(pki.is_key.public_key(), pki.algorithm, domain_parameters=False),
        "chat": lambda b: b.authorization(pki.is_.chat),
        "validity": lambda b: b.validity(D0, D0 + dt.timedelta(days=3)),
    }
    for name, step in steps.items():
        if name not in skip:
            b = step(b)
    return b


def test_builder_is_immutable_and_complete():
    pki = make_cv_pki()
    signer = KeyFileSigner(pki.dv_key, None, "sha256")
    full = _builder(pki)
    cert = full.sign(signer, issuer=pki.dv)
    assert cert.chr == "VNIS900001" and cert.car == pki.dv.chr
    assert validate_chain([pki.dv, cert], [pki.cvca], TODAY).key.chr == "VNIS900001"
    with pytest.raises(InputError, match="already set"):
        full.holder_reference("VNIS900002")
    with pytest.raises(InputError, match="lacks validity"):
        _builder(pki, validity=True).sign(signer, issuer=pki.dv)
    with pytest.raises(InputError, match="country code"):
        CvCertificateBuilder().holder_reference("1VIS00001")
    with pytest.raises(InputError, match="empty"):
        CvCertificateBuilder().validity(D0, D0 - dt.timedelta(days=1))


def test_builder_refuses_what_would_make_a_bad_certificate():
    pki = make_cv_pki()
    with pytest.raises(InputError, match="not the key of issuer"):
        _builder(pki).sign(KeyFileSigner(pki.cvca_key, None, "sha256"), issuer=pki.dv)
    with pytest.raises(InputError, match="needs sha256"):
        _builder(pki).sign(KeyFileSigner(pki.dv_key, None, "sha384"), issuer=pki.dv)
    with pytest.raises(InputError, match="does not name the issuer"):
        _builder(pki).sign(KeyFileSigner(pki.cvca_key, None, "sha256"), issuer=pki.cvca)
    with pytest.raises(InputError, match="must equal the CHR"):
        _builder(pki).sign(KeyFileSigner(pki.dv_key, None, "sha256"))
    other_curve = key("secp256r1", "x")
    b = (CvCertificateBuilder().certification_authority_reference(pki.dv.chr).holder_reference("VNIS900001")
         .public_key(other_curve.public_key(), pki.algorithm, domain_parameters=False).authorization(pki.is_.chat)
         .validity(D0, D0))
    with pytest.raises(InputError, match="inherits"):
        b.sign(KeyFileSigner(pki.dv_key, None, "sha256"), issuer=pki.dv)
    with pytest.raises(InputError, match="curve"):
        CvCertificateBuilder().public_key(ec.generate_private_key(ec.SECP256K1()).public_key(), pki.algorithm,
                                          domain_parameters=True)
    with pytest.raises(InputError, match="cannot carry"):
        CvCertificateBuilder().public_key(pki.is_key.public_key(), ta_algorithm("RSA", "sha256"),
                                          domain_parameters=False)
