"""The 31 provincial-level divisions of mainland China (GB/T 2260 first two digits), and the
prefecture-level divisions (first four digits) that plans and agencies use most.

An enterprise's province is the first two digits of its six-digit region code, so the
search filter can use a range over the indexed region_code column.
"""

from __future__ import annotations

from portal.i18n import is_english, localized

# code -> (Chinese name, English name)
PROVINCES: dict[str, tuple[str, str]] = {
    "11": ("北京市", "Beijing"),
    "12": ("天津市", "Tianjin"),
    "13": ("河北省", "Hebei"),
    "14": ("山西省", "Shanxi"),
    "15": ("内蒙古自治区", "Inner Mongolia"),
    "21": ("辽宁省", "Liaoning"),
    "22": ("吉林省", "Jilin"),
    "23": ("黑龙江省", "Heilongjiang"),
    "31": ("上海市", "Shanghai"),
    "32": ("江苏省", "Jiangsu"),
    "33": ("浙江省", "Zhejiang"),
    "34": ("安徽省", "Anhui"),
    "35": ("福建省", "Fujian"),
    "36": ("江西省", "Jiangxi"),
    "37": ("山东省", "Shandong"),
    "41": ("河南省", "Henan"),
    "42": ("湖北省", "Hubei"),
    "43": ("湖南省", "Hunan"),
    "44": ("广东省", "Guangdong"),
    "45": ("广西壮族自治区", "Guangxi"),
    "46": ("海南省", "Hainan"),
    "50": ("重庆市", "Chongqing"),
    "51": ("四川省", "Sichuan"),
    "52": ("贵州省", "Guizhou"),
    "53": ("云南省", "Yunnan"),
    "54": ("西藏自治区", "Tibet"),
    "61": ("陕西省", "Shaanxi"),
    "62": ("甘肃省", "Gansu"),
    "63": ("青海省", "Qinghai"),
    "64": ("宁夏回族自治区", "Ningxia"),
    "65": ("新疆维吾尔自治区", "Xinjiang"),
}


# code -> (Chinese name, English name): the provincial capitals and the larger prefecture-level
# cities (GB/T 2260). Not every prefecture: a plan may still be limited to any prefix the
# agency's region allows (inspections.services.plan_regions_check); a stored prefix not listed
# here is offered by its province name (region_choices).
PREFECTURES: dict[str, tuple[str, str]] = {
    "1301": ("石家庄市", "Shijiazhuang"),
    "1302": ("唐山市", "Tangshan"),
    "1306": ("保定市", "Baoding"),
    "1401": ("太原市", "Taiyuan"),
    "1501": ("呼和浩特市", "Hohhot"),
    "1502": ("包头市", "Baotou"),
    "2101": ("沈阳市", "Shenyang"),
    "2102": ("大连市", "Dalian"),
    "2201": ("长春市", "Changchun"),
    "2301": ("哈尔滨市", "Harbin"),
    "3201": ("南京市", "Nanjing"),
    "3202": ("无锡市", "Wuxi"),
    "3204": ("常州市", "Changzhou"),
    "3205": ("苏州市", "Suzhou"),
    "3301": ("杭州市", "Hangzhou"),
    "3302": ("宁波市", "Ningbo"),
    "3303": ("温州市", "Wenzhou"),
    "3307": ("金华市", "Jinhua"),
    "3401": ("合肥市", "Hefei"),
    "3501": ("福州市", "Fuzhou"),
    "3502": ("厦门市", "Xiamen"),
    "3505": ("泉州市", "Quanzhou"),
    "3601": ("南昌市", "Nanchang"),
    "3701": ("济南市", "Jinan"),
    "3702": ("青岛市", "Qingdao"),
    "3706": ("烟台市", "Yantai"),
    "4101": ("郑州市", "Zhengzhou"),
    "4201": ("武汉市", "Wuhan"),
    "4301": ("长沙市", "Changsha"),
    "4401": ("广州市", "Guangzhou"),
    "4403": ("深圳市", "Shenzhen"),
    "4404": ("珠海市", "Zhuhai"),
    "4406": ("佛山市", "Foshan"),
    "4419": ("东莞市", "Dongguan"),
    "4501": ("南宁市", "Nanning"),
    "4601": ("海口市", "Haikou"),
    "5101": ("成都市", "Chengdu"),
    "5201": ("贵阳市", "Guiyang"),
    "5301": ("昆明市", "Kunming"),
    "5401": ("拉萨市", "Lhasa"),
    "6101": ("西安市", "Xi'an"),
    "6201": ("兰州市", "Lanzhou"),
    "6301": ("西宁市", "Xining"),
    "6401": ("银川市", "Yinchuan"),
    "6501": ("乌鲁木齐市", "Urumqi"),
}


def division_label(prefix: str, language: str | None = None) -> str:
    """ "code name" for a division-code prefix in the active language: "11 北京市", "4403 Guangdong
    Shenzhen"; a prefix of no listed prefecture is named by its province ("110105 北京市")."""
    province = province_name(prefix, language)
    prefecture = PREFECTURES.get(prefix)
    if prefecture is None:
        return f"{prefix} {province}".strip()
    return f"{prefix} {province}{' ' if is_english(language) else ''}{localized(*prefecture, language)}"


def region_choices(within: str = "", extra=()) -> list[tuple[str, str]]:
    """The provinces and listed prefectures whose codes start with `within` ("" = all of China), and
    the prefixes in `extra` (a stored plan's, an agency's own), as (prefix, "code name") in code order;
    called per form so the language switcher takes effect."""
    codes = {code for code in [*PROVINCES, *PREFECTURES] if code.startswith(within) or within.startswith(code)}
    codes = {code for code in codes if code.startswith(within)} | {code for code in extra if code}
    if within:
        codes.add(within)
    return [(code, division_label(code)) for code in sorted(codes)]


def province_name(code: str, language: str | None = None) -> str:
    """Name of the province for a two- or six-digit code; empty for an unknown code."""
    names = PROVINCES.get((code or "")[:2])
    if names is None:
        return ""
    return localized(*names, language)


def province_choices() -> list[tuple[str, str]]:
    """Choices in the active language; called per form so the switcher takes effect."""
    return [(code, localized(*names)) for code, names in PROVINCES.items()]


def province_range(code: str) -> tuple[str, str]:
    """Bounds of the six-digit region codes in a province, for an index range scan.

    A prefix LIKE cannot use the btree index under a non-C collation; a range can.
    """
    return f"{code}0000", f"{int(code) + 1:02d}0000"
