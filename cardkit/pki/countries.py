"""Country codes: MRZ issuing state (ISO 3166-1 alpha-3, 9303-3 §5) to certificate country (alpha-2).

Passive Authentication compares the DS certificate's country (alpha-2, 9303-12 §7.1.1)
with the document's issuing state (alpha-3 in the MRZ); this table joins the two. It holds the
ISO 3166-1 codes plus the ICAO codes of 9303-3 that name a certificate country (D for Germany,
the British national codes, Kosovo).
"""

from __future__ import annotations

__all__ = ["alpha2", "alpha3", "ALPHA3_TO_ALPHA2"]

_TABLE = """
AFG AF ALA AX ALB AL DZA DZ ASM AS AND AD AGO AO AIA AI ATA AQ ATG AG ARG AR ARM AM ABW AW AUS AU
AUT AT AZE AZ BHS BS BHR BH BGD BD BRB BB BLR BY BEL BE BLZ BZ BEN BJ BMU BM BTN BT BOL BO BES BQ
BIH BA BWA BW BVT BV BRA BR IOT IO BRN BN BGR BG BFA BF BDI BI CPV CV KHM KH CMR CM CAN CA CYM KY
CAF CF TCD TD CHL CL CHN CN CXR CX CCK CC COL CO COM KM COG CG COD CD COK CK CRI CR CIV CI HRV HR
CUB CU CUW CW CYP CY CZE CZ DNK DK DJI DJ DMA DM DOM DO ECU EC EGY EG SLV SV GNQ GQ ERI ER EST EE
SWZ SZ ETH ET FLK FK FRO FO FJI FJ FIN FI FRA FR GUF GF PYF PF ATF TF GAB GA GMB GM GEO GE DEU DE
GHA GH GIB GI GRC GR GRL GL GRD GD GLP GP GUM GU GTM GT GGY GG GIN GN GNB GW GUY GY HTI HT HMD HM
VAT VA HND HN HKG HK HUN HU ISL IS IND IN IDN ID IRN IR IRQ IQ IRL IE IMN IM ISR IL ITA IT JAM JM
JPN JP JEY JE JOR JO KAZ KZ KEN KE KIR KI PRK KP KOR KR KWT KW KGZ KG LAO LA LVA LV LBN LB LSO LS
LBR LR LBY LY LIE LI LTU LT LUX LU MAC MO MDG MG MWI MW MYS MY MDV MV MLI ML MLT MT MHL MH MTQ MQ
MRT MR MUS MU MYT YT MEX MX FSM FM MDA MD MCO MC MNG MN MNE ME MSR MS MAR MA MOZ MZ MMR MM NAM NA
NRU NR NPL NP NLD NL NCL NC NZL NZ NIC NI NER NE NGA NG NIU NU NFK NF MKD MK MNP MP NOR NO OMN OM
PAK PK PLW PW PSE PS PAN PA PNG PG PRY PY PER PE PHL PH PCN PN POL PL PRT PT PRI PR QAT QA REU RE
ROU RO RUS RU RWA RW BLM BL SHN SH KNA KN LCA LC MAF MF SPM PM VCT VC WSM WS SMR SM STP ST SAU SA
SEN SN SRB RS SYC SC SLE SL SGP SG SXM SX SVK SK SVN SI SLB SB SOM SO ZAF ZA SGS GS SSD SS ESP ES
LKA LK SDN SD SUR SR SJM SJ SWE SE CHE CH SYR SY TWN TW TJK TJ TZA TZ THA TH TLS TL TGO TG TKL TK
TON TO TTO TT TUN TN TUR TR TKM TM TCA TC TUV TV UGA UG UKR UA ARE AE GBR GB USA US UMI UM URY UY
UZB UZ VUT VU VEN VE VNM VN VGB VG VIR VI WLF WF ESH EH YEM YE ZMB ZM ZWE ZW
D DE GBD GB GBN GB GBO GB GBP GB GBS GB RKS XK
"""

_tokens = _TABLE.split()
ALPHA3_TO_ALPHA2: dict[str, str] = dict(zip(_tokens[::2], _tokens[1::2]))
_ALPHA2_TO_ALPHA3: dict[str, str] = {}
for _a3, _a2 in ALPHA3_TO_ALPHA2.items():
    if len(_a3) == 3 and not _a3.startswith("GB") or _a3 == "GBR":
        _ALPHA2_TO_ALPHA3.setdefault(_a2, _a3)
_ALPHA2_TO_ALPHA3["DE"] = "DEU"


def alpha2(code: str) -> str | None:
    """The alpha-2 country for an MRZ state code ("VNM" -> "VN", "D<<" -> "DE"); None if unknown."""
    c = code.strip().strip("<").upper()
    if len(c) == 2:
        return c if c in _ALPHA2_TO_ALPHA3 else None
    return ALPHA3_TO_ALPHA2.get(c)


def alpha3(code: str) -> str | None:
    """The alpha-3 code for an alpha-2 country ("VN" -> "VNM"); None if unknown."""
    return _ALPHA2_TO_ALPHA3.get(code.strip().upper())
