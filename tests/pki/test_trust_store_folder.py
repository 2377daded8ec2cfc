"""Trust store folders (``cardkit trust import/list``) and PKD LDIF, on PKIs made here."""

import base64
import io
import json
import sys

import click
import ldif
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

from cardkit import cli
from cardkit.errors import InputError, ParseError, VerificationError
from cardkit.pki.certs import generate_private_key, make_crl, make_ml_signer
from cardkit.pki.sod_builder import build_master_list
from cardkit.pki.passive import passive_authentication
from cardkit.pki.pkd_ldif import read_pkd_ldif
from cardkit.pki.signers import KeyFileSigner
from cardkit.pki.sod_builder import build_sod
from cardkit.pki.store import import_sources, summarise_store
from cardkit.pki.trust import TrustStore
from tests.support.pki import der, make_pki
from tests.support.sod import edit_signed_data, sample_dgs

VN = make_pki("ec-p256")
LA = make_pki("ec-p256", country="LA")
DGS = sample_dgs()


def _ml(*cscas, by=VN):
    key = generate_private_key("ec-p256")
    return build_master_list(list(cscas), KeyFileSigner(key, make_ml_signer(by.csca_signer, key.public_key(),
                                                                      common_name="TEST ML signer")))


def _pkd_ldif(master_list: bytes, dsc: bytes, crl: bytes) -> bytes:
    """A PKD-style LDIF (o=ml, o=dsc, o=crl entries with base64 binary values), written with the ldif library."""
    out = io.BytesIO()
    w = ldif.LDIFWriter(out)
    base = "dc=data,dc=download,dc=pkd,dc=icao,dc=int"
    w.unparse(f"cn=VN ML,o=ml,c=VN,{base}", {"objectClass": [b"pkdMasterList"], "pkdMasterListContent": [master_list]})
    w.unparse(f"cn=TEST DS+sn=01,o=dsc,c=VN,{base}", {"objectClass": [b"pkdDownload"], "userCertificate;binary": [dsc]})
    w.unparse(f"cn=TEST CSCA VN,o=crl,c=VN,{base}", {"certificateRevocationList;binary": [crl]})
    return out.getvalue()


@pytest.fixture
def sources(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "vn.ml").write_bytes(_ml(VN.csca, LA.csca))
    (d / "la.pem").write_bytes(LA.csca.public_bytes(serialization.Encoding.PEM))  # also in the list: stored once
    (d / "vn.crl").write_bytes(make_crl(VN.csca_signer, []).public_bytes(serialization.Encoding.DER))
    return d


def test_import_builds_an_index_deduplicated_and_idempotent(tmp_path, sources):
    store = tmp_path / "store"
    report = import_sources(store, [sources / "vn.ml", sources / "la.pem", sources / "vn.crl"])
    assert report.total_certificates == 2 and report.total_crls == 1 and report.added_certificates == 2
    index = json.loads((store / "index.json").read_text())
    la = [e for e in index["certificates"] if e["country"] == "LA"]
    assert len(la) == 1 and la[0]["sources"] == ["la.pem", "vn.ml"] and la[0]["role"] == "csca"
    assert (store / "certs" / f"{la[0]['fingerprint']}.der").read_bytes() == der(LA.csca)
    before = (store / "index.json").read_bytes()
    again = import_sources(store, [sources])  # the folder, walked: the same three files
    assert again.added_certificates == 0 and again.added_crls == 0
    assert (store / "index.json").read_bytes() == before
    t = TrustStore.load([store])  # a store is recognised by its index
    assert {c.raw for c in t.cscas} == {der(VN.csca), der(LA.csca)} and len(t.crls) == 1
    r = passive_authentication(build_sod(DGS, LA.ds_signer), DGS, t, issuing_state="LAO")
    assert r.passed, r.failures
    s = summarise_store(store, country="la")
    assert list(s.countries) == ["LA"] and s.countries["LA"]["csca"] == 1 and s.countries["LA"]["valid"] == 1


@pytest.mark.parametrize("bad", [b"garbage", b"", b"-----BEGIN CERTIFICATE-----\nMIIB\n", b"version: 1\n\ndn: cn=x\nuserCertificate;binary:: MII"])
def test_a_broken_source_imports_nothing(tmp_path, sources, bad):
    store = tmp_path / "store"
    import_sources(store, [sources / "vn.ml"])
    before = (store / "index.json").read_bytes()
    (tmp_path / "bad.bin").write_bytes(bad)
    with pytest.raises(ParseError) as e:
        import_sources(store, [sources / "la.pem", tmp_path / "bad.bin"])
    assert "bad.bin" in str(e.value)
    assert (store / "index.json").read_bytes() == before
    assert not (tmp_path / "new").exists()
    with pytest.raises(ParseError):
        import_sources(tmp_path / "new", [tmp_path / "bad.bin"])
    assert not (tmp_path / "new" / "index.json").exists()


def test_a_truncated_master_list_or_ldif_is_an_error_naming_it(tmp_path):
    ml = _ml(VN.csca)
    (tmp_path / "cut.ml").write_bytes(ml[: len(ml) // 2])
    text = _pkd_ldif(ml, der(VN.ds), make_crl(VN.csca_signer, []).public_bytes(serialization.Encoding.DER))
    (tmp_path / "cut.ldif").write_bytes(text[:-40])
    for name in ("cut.ml", "cut.ldif"):
        with pytest.raises(ParseError) as e:
            import_sources(tmp_path / "s", [tmp_path / name])
        assert name in str(e.value)
    assert not (tmp_path / "s" / "index.json").exists()


def test_a_refused_source_imports_nothing(tmp_path):
    forged = make_crl(LA.csca_signer, [])  # LA is not in the store: nobody verifies this CRL
    (tmp_path / "la.crl").write_bytes(forged.public_bytes(serialization.Encoding.DER))
    (tmp_path / "vn.pem").write_bytes(VN.csca.public_bytes(serialization.Encoding.PEM))
    with pytest.raises(VerificationError, match="no CSCA in the trust store signed it"):
        import_sources(tmp_path / "s", [tmp_path / "vn.pem", tmp_path / "la.crl"])
    assert not (tmp_path / "s" / "index.json").exists()


def test_a_folder_that_is_not_a_store_is_refused(tmp_path, sources):
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not a trust store"):
        import_sources(tmp_path / "other", [sources / "la.pem"])


def test_pkd_ldif_with_a_master_list_a_dsc_and_a_crl(tmp_path):
    crl = make_crl(VN.csca_signer, []).public_bytes(serialization.Encoding.DER)
    text = _pkd_ldif(_ml(VN.csca, LA.csca), der(VN.ds), crl)
    kinds = [o.kind for o in read_pkd_ldif(text)]
    assert kinds == ["master list", "certificate", "crl"]
    (tmp_path / "pkd.ldif").write_bytes(text)
    report = import_sources(tmp_path / "s", [tmp_path / "pkd.ldif"])
    assert report.total_certificates == 3 and report.total_crls == 1
    roles = sorted(e["role"] for e in json.loads((tmp_path / "s" / "index.json").read_text())["certificates"])
    assert roles == ["csca", "csca", "ds"]
    # an EF.SOD that carries no certificate: the PKD's DS certificate names the signer (with a warning)
    bare = edit_signed_data(build_sod(DGS, VN.ds_signer), lambda sd: sd.__delitem__("certificates"))
    t = TrustStore.load([tmp_path / "s"])
    r = passive_authentication(bare, DGS, t, issuing_state="VNM")
    assert r.passed, r.failures
    (ds,) = [c for c in r.checks if c.name == "DS certificate"]
    assert ds.status.value == "WARNING" and "trust store" in ds.reason
    # the same LDIF given straight to --trust
    assert passive_authentication(bare, DGS, TrustStore.load([tmp_path / "pkd.ldif"]), issuing_state="VNM").passed


def test_a_store_object_changed_after_import_is_not_trusted(tmp_path, sources):
    store = tmp_path / "s"
    import_sources(store, [sources / "la.pem"])
    (obj,) = (store / "certs").iterdir()
    obj.write_bytes(der(VN.csca))  # swapped for another CSCA
    t = TrustStore.load([store])
    assert t.cscas == [] and [f for f in t.findings if f.failed and "do not hash to its name" in f.reason]


@click.command(add_help_option=False, context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def _entry(args):
    sys.exit(cli.main(list(args)))


def run(*args):
    return CliRunner().invoke(_entry, [str(a) for a in args])


def test_cli_import_list_and_trust_everywhere(tmp_path, sources):
    store = tmp_path / "s"
    r = run("trust", "import", sources / "vn.ml", sources / "vn.crl", "--store", store)
    assert r.exit_code == 0 and "vn.ml: master list, 2 CSCA certificates" in r.output, r.output
    r = run("trust", "list", "--store", store, "--json")
    assert r.exit_code == 0 and set(json.loads(r.output)["countries"]) == {"VN", "LA"}
    r = run("trust", "list", "--store", store, "--country", "VN")
    assert r.exit_code == 0 and "1 countries, 1 certificates" in r.output
    (tmp_path / "la.sod").write_bytes(build_sod(DGS, LA.ds_signer))
    r = run("audit", tmp_path / "la.sod", "--trust", store, "--jobs", "1")
    assert r.exit_code == 0, r.output
    r = run("trust", "check", tmp_path / "la.sod", "--trust", store, "--json")
    assert r.exit_code == 0 and json.loads(r.output)["passed"], r.output
    (tmp_path / "junk").write_bytes(b"junk")
    r = run("trust", "import", tmp_path / "junk", "--store", store)
    assert r.exit_code == 2 and "junk" in r.stderr
    r = run("trust", "list", "--store", tmp_path / "nothing")
    assert r.exit_code == 2


def test_ldif_values_are_decoded_by_the_library_not_by_hand():
    # RFC 2849 folding: a long base64 value continued on lines that start with one space
    b64 = base64.b64encode(der(VN.csca)).decode()
    folded = "\n ".join(b64[i:i + 60] for i in range(0, len(b64), 60))
    text = f"version: 1\n\ndn: cn=x,o=dsc,c=VN\nuserCertificate;binary:: {folded}\n".encode()
    (obj,) = read_pkd_ldif(text)
    assert obj.der == der(VN.csca) and obj.dn == "cn=x,o=dsc,c=VN"


def test_an_import_cut_short_leaves_a_folder_the_next_import_completes(tmp_path, sources):
    store = tmp_path / "s"
    (store / "certs").mkdir(parents=True)  # objects written, then the process died before the index
    (store / "certs" / ("0" * 64 + ".der")).write_bytes(b"orphan")
    (store / ".lock").write_bytes(b"")
    assert TrustStore.load([store]).cscas == []  # no index: nothing of it is trusted
    report = import_sources(store, [sources / "la.pem"])
    assert report.total_certificates == 1 and (store / "index.json").is_file()
