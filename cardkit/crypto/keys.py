"""Domain parameters and public keys for eMRTD protocols (Doc 9303-11 §9.5; BSI TR-03110-3 A.2.1).

- PACE standardized domain parameters: ids 0-2 are the RFC 5114 §2.1-2.3 MODP groups (p, q, g),
  ids 8-18 the named curves below (constants from SEC 2 v2 and RFC 5639; every table entry is checked
  by the tests: G on the curve, n*G = infinity, and equal to ``cryptography``'s curve where it has one).
- ``load_public_key`` turns a DER SubjectPublicKeyInfo (DG14 CA keys, DG15) into a key object:
  RSA -> ``cryptography`` RSAPublicKey; EC (named or explicit parameters, matched to a known curve)
  -> ``EcPublicKey``; DH (X9.42 dhpublicnumber, PKCS#3 dhKeyAgreement) -> ``DhPublicKey``.
- every public value received from a chip is validated (EC: on the curve, not infinity; DH:
  1 < y < p-1 and y^q = 1) so a hostile chip cannot push a small-subgroup or invalid-curve key in.
- key agreement uses ``cryptography``'s ECDH where it supports the curve, pure python otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from asn1crypto import core, keys as akeys
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ..errors import ParseError
from ._ec import Curve, Point

__all__ = [
    "Curve",
    "DhGroup",
    "DhPublicKey",
    "EcPublicKey",
    "CURVES",
    "DH_GROUPS",
    "PACE_PARAMETERS",
    "ec_curve",
    "dh_group",
    "pace_parameters",
    "curve_by_oid",
    "load_public_key",
    "random_scalar",
    "ecdh",
    "dh_shared",
    "crypto_curve",
]

Rng = Callable[[int], bytes]


def _c(name: str, oid: str, p: int, a: int, b: int, gx: int, gy: int, n: int, h: int) -> Curve:
    return Curve(name, oid, p, a, b, gx, gy, n, h)


#: named curves PACE uses, by name (SEC 2 v2 §2; RFC 5639 §3)
CURVES: dict[str, Curve] = {
    "secp192r1": _c("secp192r1", "1.2.840.10045.3.1.1",
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFFFFFFFFFF,
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFFFFFFFFFC,
        0x64210519E59C80E70FA7E9AB72243049FEB8DEECC146B9B1,
        0x188DA80EB03090F67CBF20EB43A18800F4FF0AFD82FF1012,
        0x7192B95FFC8DA78631011ED6B24CDD573F977A11E794811,
        0xFFFFFFFFFFFFFFFFFFFFFFFF99DEF836146BC9B1B4D22831,
        1),
    "brainpoolP192r1": _c("brainpoolP192r1", "1.3.36.3.3.2.8.1.1.3",
        0xC302F41D932A36CDA7A3463093D18DB78FCE476DE1A86297,
        0x6A91174076B1E0E19C39C031FE8685C1CAE040E5C69A28EF,
        0x469A28EF7C28CCA3DC721D044F4496BCCA7EF4146FBF25C9,
        0xC0A0647EAAB6A48753B033C56CB0F0900A2F5C4853375FD6,
        0x14B690866ABD5BB88B5F4828C1490002E6773FA2FA299B8F,
        0xC302F41D932A36CDA7A3462F9E9E916B5BE8F1029AC4ACC1,
        1),
    "secp224r1": _c("secp224r1", "1.3.132.0.33",
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF000000000000000000000001,
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFE,
        0xB4050A850C04B3ABF54132565044B0B7D7BFD8BA270B39432355FFB4,
        0xB70E0CBD6BB4BF7F321390B94A03C1D356C21122343280D6115C1D21,
        0xBD376388B5F723FB4C22DFE6CD4375A05A07476444D5819985007E34,
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFF16A2E0B8F03E13DD29455C5C2A3D,
        1),
    "brainpoolP224r1": _c("brainpoolP224r1", "1.3.36.3.3.2.8.1.1.5",
        0xD7C134AA264366862A18302575D1D787B09F075797DA89F57EC8C0FF,
        0x68A5E62CA9CE6C1C299803A6C1530B514E182AD8B0042A59CAD29F43,
        0x2580F63CCFE44138870713B1A92369E33E2135D266DBB372386C400B,
        0xD9029AD2C7E5CF4340823B2A87DC68C9E4CE3174C1E6EFDEE12C07D,
        0x58AA56F772C0726F24C6B89E4ECDAC24354B9E99CAA3F6D3761402CD,
        0xD7C134AA264366862A18302575D0FB98D116BC4B6DDEBCA3A5A7939F,
        1),
    "secp256r1": _c("secp256r1", "1.2.840.10045.3.1.7",
        0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF,
        0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC,
        0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
        0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
        0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
        0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
        1),
    "brainpoolP256r1": _c("brainpoolP256r1", "1.3.36.3.3.2.8.1.1.7",
        0xA9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377,
        0x7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9,
        0x26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6,
        0x8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262,
        0x547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997,
        0xA9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7,
        1),
    "brainpoolP320r1": _c("brainpoolP320r1", "1.3.36.3.3.2.8.1.1.9",
        0xD35E472036BC4FB7E13C785ED201E065F98FCFA6F6F40DEF4F92B9EC7893EC28FCD412B1F1B32E27,
        0x3EE30B568FBAB0F883CCEBD46D3F3BB8A2A73513F5EB79DA66190EB085FFA9F492F375A97D860EB4,
        0x520883949DFDBC42D3AD198640688A6FE13F41349554B49ACC31DCCD884539816F5EB4AC8FB1F1A6,
        0x43BD7E9AFB53D8B85289BCC48EE5BFE6F20137D10A087EB6E7871E2A10A599C710AF8D0D39E20611,
        0x14FDD05545EC1CC8AB4093247F77275E0743FFED117182EAA9C77877AAAC6AC7D35245D1692E8EE1,
        0xD35E472036BC4FB7E13C785ED201E065F98FCFA5B68F12A32D482EC7EE8658E98691555B44C59311,
        1),
    "secp384r1": _c("secp384r1", "1.3.132.0.34",
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFF,
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFC,
        0xB3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875AC656398D8A2ED19D2A85C8EDD3EC2AEF,
        0xAA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A385502F25DBF55296C3A545E3872760AB7,
        0x3617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C00A60B1CE1D7E819D7A431D7C90EA0E5F,
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973,
        1),
    "brainpoolP384r1": _c("brainpoolP384r1", "1.3.36.3.3.2.8.1.1.11",
        0x8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B412B1DA197FB71123ACD3A729901D1A71874700133107EC53,
        0x7BC382C63D8C150C3C72080ACE05AFA0C2BEA28E4FB22787139165EFBA91F90F8AA5814A503AD4EB04A8C7DD22CE2826,
        0x4A8C7DD22CE28268B39B55416F0447C2FB77DE107DCD2A62E880EA53EEB62D57CB4390295DBC9943AB78696FA504C11,
        0x1D1C64F068CF45FFA2A63A81B7C13F6B8847A3E77EF14FE3DB7FCAFE0CBD10E8E826E03436D646AAEF87B2E247D4AF1E,
        0x8ABE1D7520F9C2A45CB1EB8E95CFD55262B70B29FEEC5864E19C054FF99129280E4646217791811142820341263C5315,
        0x8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B31F166E6CAC0425A7CF3AB6AF6B7FC3103B883202E9046565,
        1),
    "brainpoolP512r1": _c("brainpoolP512r1", "1.3.36.3.3.2.8.1.1.13",
        0xAADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA703308717D4D9B009BC66842AECDA12AE6A380E62881FF2F2D82C68528AA6056583A48F3,
        0x7830A3318B603B89E2327145AC234CC594CBDD8D3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CA,
        0x3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CADC083E67984050B75EBAE5DD2809BD638016F723,
        0x81AEE4BDD82ED9645A21322E9C4C6A9385ED9F70B5D916C1B43B62EEF4D0098EFF3B1F78E2D0D48D50D1687B93B97D5F7C6D5047406A5E688B352209BCB9F822,
        0x7DDE385D566332ECC0EABFA9CF7822FDF209F70024A57B1AA000C55B881F8111B2DCDE494A5F485E5BCA4BD88A2763AED1CA2B2FA8F0540678CD1E0F3AD80892,
        0xAADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA70330870553E5C414CA92619418661197FAC10471DB1D381085DDADDB58796829CA90069,
        1),
    "secp521r1": _c("secp521r1", "1.3.132.0.35",
        0x1FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF,
        0x1FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC,
        0x51953EB9618E1C9A1F929A21A0B68540EEA2DA725B99B315F3B8B489918EF109E156193951EC7E937B1652C0BD3BB1BF073573DF883D2C34F1EF451FD46B503F00,
        0xC6858E06B70404E9CD9E3ECB662395B4429C648139053FB521F828AF606B4D3DBAA14B5E77EFE75928FE1DC127A2FFA8DE3348B3C1856A429BF97E7E31C2E5BD66,
        0x11839296A789A3BC0045C8A5FB42C7D1BD998F54449579B446817AFBD17273E662C97EE72995EF42640C550B9013FAD0761353C7086A272C24088BE94769FD16650,
        0x1FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409,
        1),
}


@dataclass(frozen=True)
class DhGroup:
    """A MODP group with prime-order subgroup (p, g, q) (RFC 5114 §2; X9.42)."""

    name: str
    p: int
    g: int
    q: int | None

    def __repr__(self) -> str:
        return f"DhGroup({self.name})"

    @property
    def size(self) -> int:
        """Bytes of p: the length of public values and shared secrets."""
        return (self.p.bit_length() + 7) // 8

    @property
    def order_size(self) -> int:
        """Bytes a private key is drawn with (of q; of p when q is unknown)."""
        return ((self.q or self.p).bit_length() + 7) // 8

    def check_public(self, y: int, what: str = "DH public value") -> int:
        """Validate a received public value: 1 < y < p-1 and y^q = 1 mod p (TR-03111 §4.3.2.2)."""
        if not 1 < y < self.p - 1:
            raise ParseError("DH public value outside 1 < y < p-1", what=what)
        if self.q is not None and pow(y, self.q, self.p) != 1:
            raise ParseError("DH public value is not in the prime-order subgroup", what=what)
        return y

    def decode_public(self, data: bytes, what: str = "DH public value") -> int:
        """Decode (big-endian unsigned, at most the size of p) and validate a public value."""
        if not data or len(data) > self.size:
            raise ParseError(f"DH public value of {len(data)} bytes (at most {self.size})", what=what)
        return self.check_public(int.from_bytes(data, "big"), what)

    def encode(self, v: int) -> bytes:
        """Fixed-length big-endian encoding (the size of p; TR-03111 §3.1.3 I2OS)."""
        return v.to_bytes(self.size, "big")


def _dh(pid: int, p: int, g: int, q: int) -> DhGroup:
    return DhGroup(f"RFC 5114 MODP group {pid}", p, g, q)


#: PACE standardized DH groups, ids 0-2 = RFC 5114 §2.1, §2.2, §2.3
DH_GROUPS: dict[int, DhGroup] = {
    0: _dh(0,
        0xB10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B616073E28675A23D189838EF1E2EE652C013ECB4AEA906112324975C3CD49B83BFACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA31A4FF55BCCC0A151AF5F0DC8B4BD45BF37DF365C1A65E68CFDA76D4DA708DF1FB2BC2E4A4371,  # p, 1024 bits
        0xA4D1CBD5C3FD34126765A442EFB99905F8104DD258AC507FD6406CFF14266D31266FEA1E5C41564B777E690F5504F213160217B4B01B886A5E91547F9E2749F4D7FBD7D3B9A92EE1909D0D2263F80A76A6A24C087A091F531DBF0A0169B6A28AD662A4D18E73AFA32D779D5918D08BC8858F4DCEF97C2A24855E6EEB22B3B2E5,  # g, 1024 bits
        0xF518AA8781A8DF278ABA4E7D64B7CB9D49462353,  # q, 160 bits
    ),
    1: _dh(1,
        0xAD107E1E9123A9D0D660FAA79559C51FA20D64E5683B9FD1B54B1597B61D0A75E6FA141DF95A56DBAF9A3C407BA1DF15EB3D688A309C180E1DE6B85A1274A0A66D3F8152AD6AC2129037C9EDEFDA4DF8D91E8FEF55B7394B7AD5B7D0B6C12207C9F98D11ED34DBF6C6BA0B2C8BBC27BE6A00E0A0B9C49708B3BF8A317091883681286130BC8985DB1602E714415D9330278273C7DE31EFDC7310F7121FD5A07415987D9ADC0A486DCDF93ACC44328387315D75E198C641A480CD86A1B9E587E8BE60E69CC928B2B9C52172E413042E9B23F10B0E16E79763C9B53DCF4BA80A29E3FB73C16B8E75B97EF363E2FFA31F71CF9DE5384E71B81C0AC4DFFE0C10E64F,  # p, 2048 bits
        0xAC4032EF4F2D9AE39DF30B5C8FFDAC506CDEBE7B89998CAF74866A08CFE4FFE3A6824A4E10B9A6F0DD921F01A70C4AFAAB739D7700C29F52C57DB17C620A8652BE5E9001A8D66AD7C17669101999024AF4D027275AC1348BB8A762D0521BC98AE247150422EA1ED409939D54DA7460CDB5F6C6B250717CBEF180EB34118E98D119529A45D6F834566E3025E316A330EFBB77A86F0C1AB15B051AE3D428C8F8ACB70A8137150B8EEB10E183EDD19963DDD9E263E4770589EF6AA21E7F5F2FF381B539CCE3409D13CD566AFBB48D6C019181E1BCFE94B30269EDFE72FE9B6AA4BD7B5A0F1C71CFFF4C19C418E1F6EC017981BC087F2A7065B384B890D3191F2BFA,  # g, 2048 bits
        0x801C0D34C58D93FE997177101F80535A4738CEBCBF389A99B36371EB,  # q, 224 bits
    ),
    2: _dh(2,
        0x87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00E00DF8F1D61957D4FAF7DF4561B2AA3016C3D91134096FAA3BF4296D830E9A7C209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76B63ACAE1CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8EF6A167B5A41825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597,  # p, 2048 bits
        0x3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA12510DBC15077BE463FFF4FED4AAC0BB555BE3A6C1B0C6B47B1BC3773BF7E8C6F62901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193B5045AF2767164E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D052B985D182EA0ADB2A3B7313D3FE14C8484B1E052588B9B7D2BBD2DF016199ECD06E1557CD0915B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D1DB246C32F63078490F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC41659,  # g, 2046 bits
        0x8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3,  # q, 256 bits
    ),
}

_CURVE_IDS = {
    8: "secp192r1",
    9: "brainpoolP192r1",
    10: "secp224r1",
    11: "brainpoolP224r1",
    12: "secp256r1",
    13: "brainpoolP256r1",
    14: "brainpoolP320r1",
    15: "secp384r1",
    16: "brainpoolP384r1",
    17: "brainpoolP512r1",
    18: "secp521r1",
}

#: PACE standardized domain parameter ids (Doc 9303-11 §9.5.1) -> group
PACE_PARAMETERS: dict[int, Curve | DhGroup] = {**DH_GROUPS, **{i: CURVES[n] for i, n in _CURVE_IDS.items()}}

_BY_OID = {c.oid: c for c in CURVES.values()}

# cryptography's curve classes, for the curves it implements (it lacks brainpoolP192/224/320r1)
_CRYPTO_CURVES: dict[str, type[ec.EllipticCurve]] = {
    name: cls
    for name, cls_name in (
        ("secp192r1", "SECP192R1"),
        ("secp224r1", "SECP224R1"),
        ("secp256r1", "SECP256R1"),
        ("secp384r1", "SECP384R1"),
        ("secp521r1", "SECP521R1"),
        ("brainpoolP256r1", "BrainpoolP256R1"),
        ("brainpoolP384r1", "BrainpoolP384R1"),
        ("brainpoolP512r1", "BrainpoolP512R1"),
    )
    if (cls := getattr(ec, cls_name, None)) is not None
}


def crypto_curve(curve: Curve) -> ec.EllipticCurve | None:
    """The ``cryptography`` curve object for a known named curve, or None when unsupported."""
    known = CURVES.get(curve.name)
    if known is None or not known.same_domain(curve) or curve.name not in _CRYPTO_CURVES:
        return None
    return _CRYPTO_CURVES[curve.name]()


def ec_curve(param_id: int) -> Curve:
    """The curve of a PACE standardized domain parameter id (8-18).

    Raises:
        ParseError: the id is not a standardized curve.
    """
    g = PACE_PARAMETERS.get(param_id)
    if not isinstance(g, Curve):
        raise ParseError(f"PACE parameter id {param_id} is not a standardized curve", what="PACE parameterId")
    return g


def dh_group(param_id: int) -> DhGroup:
    """The MODP group of a PACE standardized domain parameter id (0-2)."""
    g = PACE_PARAMETERS.get(param_id)
    if not isinstance(g, DhGroup):
        raise ParseError(f"PACE parameter id {param_id} is not a standardized DH group", what="PACE parameterId")
    return g


def pace_parameters(param_id: int) -> Curve | DhGroup:
    """The group (curve or MODP group) of a PACE standardized domain parameter id."""
    g = PACE_PARAMETERS.get(param_id)
    if g is None:
        raise ParseError(f"unknown PACE standardized domain parameter id {param_id}", what="PACE parameterId")
    return g


def curve_by_oid(oid: str) -> Curve | None:
    """A known curve by its named-curve OID, or None."""
    return _BY_OID.get(oid)


@dataclass(frozen=True)
class EcPublicKey:
    """An EC public key: its curve (known or explicit) and a validated point."""

    curve: Curve
    point: tuple[int, int]

    @property
    def encoded(self) -> bytes:
        """Uncompressed point 04 || x || y."""
        return self.curve.encode_point(self.point)

    def to_cryptography(self) -> ec.EllipticCurvePublicKey | None:
        """The same key as a ``cryptography`` object, or None when it lacks the curve."""
        cc = crypto_curve(self.curve)
        if cc is None:
            return None
        return ec.EllipticCurvePublicKey.from_encoded_point(cc, self.encoded)


@dataclass(frozen=True)
class DhPublicKey:
    """A DH public key with its domain parameters (X9.42 or PKCS#3; q None when PKCS#3 omits it)."""

    p: int
    q: int | None
    g: int
    y: int

    @property
    def group(self) -> DhGroup:
        """The standardized group object when the parameters are one (RFC 5114), else an explicit one."""
        for grp in DH_GROUPS.values():
            if (grp.p, grp.g) == (self.p, self.g) and self.q in (None, grp.q):
                return grp
        return DhGroup("explicit DH group", self.p, self.g, self.q)


class _Pkcs3DhParameter(core.Sequence):
    """PKCS #3 §9: DHParameter ::= SEQUENCE { prime, base, privateValueLength OPTIONAL }."""

    _fields = [
        ("prime", core.Integer),
        ("base", core.Integer),
        ("private_value_length", core.Integer, {"optional": True}),
    ]


class _RawAlgorithm(core.Sequence):
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", core.Any, {"optional": True})]


class _RawSpki(core.Sequence):
    """SubjectPublicKeyInfo with open parameters, so algorithms asn1crypto does not know still parse."""

    _fields = [("algorithm", _RawAlgorithm), ("public_key", core.OctetBitString)]


_OID_PKCS3_DH = "1.2.840.113549.1.3.1"
_OID_X942_DH = "1.2.840.10046.2.1"
_OID_EC = "1.2.840.10045.2.1"
_OID_RSA = "1.2.840.113549.1.1.1"
_MAX_SPKI = 16384


def _curve_from_specified(spec: akeys.SpecifiedECDomain) -> Curve:
    field_type = spec["field_id"]["field_type"].dotted
    if field_type != "1.2.840.10045.1.1":
        raise ParseError("only prime-field curves are supported", what="EC parameters")
    p = spec["field_id"]["parameters"].native
    a = int.from_bytes(spec["curve"]["a"].native, "big")
    b = int.from_bytes(spec["curve"]["b"].native, "big")
    base = spec["base"].native
    size = (p.bit_length() + 7) // 8
    if len(base) != 1 + 2 * size or base[0] != 4:
        raise ParseError("explicit base point is not uncompressed", what="EC parameters")
    gx, gy = int.from_bytes(base[1 : 1 + size], "big"), int.from_bytes(base[1 + size :], "big")
    n = spec["order"].native
    h = spec["cofactor"].native if spec["cofactor"].native is not None else 1
    candidate = Curve("explicit", None, p, a, b, gx, gy, n, h)
    for known in CURVES.values():
        if known.same_domain(candidate):
            return known
    # Unknown explicit curve: usable with the pure-python math, after basic sanity checks.
    if p < 3 or n < 3 or not candidate.contains(candidate.generator) or candidate.mul(n, candidate.generator) is not None:
        raise ParseError("explicit EC parameters are inconsistent (G not on curve or n*G != O)", what="EC parameters")
    return candidate


def load_public_key(spki: bytes) -> rsa.RSAPublicKey | EcPublicKey | DhPublicKey:
    """Decode a DER SubjectPublicKeyInfo from DG14 or DG15 (X.509; TR-03110-3 D.3).

    Returns:
        RSAPublicKey (cryptography), EcPublicKey (named or explicit curve), or DhPublicKey.

    Raises:
        ParseError: not DER, unknown algorithm, bad parameters, or an invalid public value.
    """
    what = "SubjectPublicKeyInfo"
    spki = bytes(spki)
    if len(spki) > _MAX_SPKI:
        raise ParseError(f"{len(spki)} bytes is too large for a public key", what=what)
    try:
        info = _RawSpki.load(spki, strict=True)
        oid = info["algorithm"]["algorithm"].dotted
        params = info["algorithm"]["parameters"]
        key_bytes = info["public_key"].native
        if oid == _OID_RSA:
            n_e = akeys.RSAPublicKey.load(key_bytes, strict=True)
            n, e = n_e["modulus"].native, n_e["public_exponent"].native
            if n < 3 or e < 3 or e % 2 == 0 or n % 2 == 0:
                raise ParseError("RSA modulus or exponent out of range", what=what)
            return rsa.RSAPublicNumbers(e, n).public_key()
        if oid == _OID_EC:
            if not isinstance(params, core.Any) or params.contents is None:
                raise ParseError("EC key without domain parameters", what=what)
            ecp = akeys.ECDomainParameters.load(params.dump(), strict=True)
            if ecp.name == "named":
                curve = curve_by_oid(ecp.chosen.dotted)
                if curve is None:
                    raise ParseError(f"unsupported named curve {ecp.chosen.dotted}", what=what)
            elif ecp.name == "specified":
                curve = _curve_from_specified(ecp.chosen)
            else:
                raise ParseError("implicitCA EC parameters are not supported", what=what)
            return EcPublicKey(curve, curve.decode_point(key_bytes, what="EC public key"))
        if oid in (_OID_X942_DH, _OID_PKCS3_DH):
            if not isinstance(params, core.Any) or params.contents is None:
                raise ParseError("DH key without domain parameters", what=what)
            if oid == _OID_X942_DH:
                dp = akeys.DomainParameters.load(params.dump(), strict=True)
                p, g, q = dp["p"].native, dp["g"].native, dp["q"].native
            else:
                dp3 = _Pkcs3DhParameter.load(params.dump(), strict=True)
                p, g, q = dp3["prime"].native, dp3["base"].native, None
            y = core.Integer.load(key_bytes, strict=True).native
            if p is None or g is None or p < 5 or not 1 < g < p - 1 or (q is not None and not 1 < q < p):
                raise ParseError("DH domain parameters out of range", what=what)
            key = DhPublicKey(p, q, g, y)
            key.group.check_public(y, what="DH public key")
            return key
        raise ParseError(f"unsupported public key algorithm {oid}", what=what)
    except ParseError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as e:
        raise ParseError(f"malformed public key ({type(e).__name__})", what=what) from None


# --- key generation and agreement -------------------------------------------------


def random_scalar(rng: Rng, order: int) -> int:
    """A private key in [1, order-1]: int.from_bytes(rng(len_of_order_bytes)), drawn again if out of range."""
    size = (order.bit_length() + 7) // 8
    for _ in range(1000):
        raw = rng(size)
        if len(raw) != size:
            raise ValueError(f"rng returned {len(raw)} bytes (asked {size})")
        k = int.from_bytes(raw, "big")
        if 1 <= k < order:
            return k
    raise ValueError("rng produced no usable private key in 1000 draws")


def ecdh(curve: Curve, private: int, peer: Point) -> bytes:
    """The x-coordinate of private * peer, fixed length (TR-03111 §4.3.1 ECKA); peer must be validated.

    The shared point depends only on the peer point and the scalar, not on which generator made
    them, so ``cryptography`` can do this even for PACE's mapped generator when it knows the curve.
    """
    if peer is None or not curve.contains(peer):
        raise ParseError("peer key is not a point on the curve", what="ECDH")
    cc = crypto_curve(curve)
    if cc is not None:
        from cryptography.hazmat.primitives.asymmetric.ec import ECDH

        priv = ec.derive_private_key(private, cc)
        pub = ec.EllipticCurvePublicKey.from_encoded_point(cc, curve.encode_point(peer))
        return priv.exchange(ECDH(), pub)
    shared = curve.mul(private, peer)
    if shared is None:
        raise ParseError("ECDH gave the point at infinity", what="ECDH")
    return shared[0].to_bytes(curve.size, "big")


def dh_shared(group: DhGroup, private: int, peer: int) -> bytes:
    """peer^private mod p, fixed length of p (TR-03111 §4.3.2 / PKCS #3); peer must be validated."""
    z = pow(peer, private, group.p)
    if z in (0, 1, group.p - 1):
        raise ParseError("DH gave a degenerate shared secret", what="DH")
    return group.encode(z)
