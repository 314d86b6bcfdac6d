"""Reference tables for the demo data: real administrative divisions and word pools.

Division codes are real six-digit codes (GB/T 2260) so that the generated unified
social credit codes carry a genuine registration place in positions 3-8.
"""

from __future__ import annotations

from typing import NamedTuple

from credit.regions import PROVINCES as PROVINCE_NAMES


class Division(NamedTuple):
    code: str
    province: str  # empty for the four municipalities (the city is the province)
    city: str
    district: str  # empty where the city itself is the county-level unit
    abbr: str  # one-character province abbreviation used in document numbers
    city_en: str
    district_en: str  # English (pinyin) name of the district; empty exactly when `district` is
    area_code: str  # telephone area code
    postcode: str  # first three digits
    weight: int  # relative share of enterprises registered here

    @property
    def place_en(self) -> str:
        """The county-level unit in English: "Beijing Dongcheng District", or "Yiwu" for a county-level city."""
        return f"{self.city_en} {self.district_en}" if self.district_en else self.city_en


DIVISIONS: tuple[Division, ...] = (
    Division("110101", "", "北京市", "东城区", "京", "Beijing", "Dongcheng District", "010", "100", 3),
    Division("110102", "", "北京市", "西城区", "京", "Beijing", "Xicheng District", "010", "100", 3),
    Division("110105", "", "北京市", "朝阳区", "京", "Beijing", "Chaoyang District", "010", "100", 8),
    Division("110106", "", "北京市", "丰台区", "京", "Beijing", "Fengtai District", "010", "100", 4),
    Division("110108", "", "北京市", "海淀区", "京", "Beijing", "Haidian District", "010", "100", 8),
    Division("110114", "", "北京市", "昌平区", "京", "Beijing", "Changping District", "010", "102", 3),
    Division("110115", "", "北京市", "大兴区", "京", "Beijing", "Daxing District", "010", "102", 3),
    Division("120101", "", "天津市", "和平区", "津", "Tianjin", "Heping District", "022", "300", 2),
    Division("120116", "", "天津市", "滨海新区", "津", "Tianjin", "Binhai New Area", "022", "300", 4),
    Division("130102", "河北省", "石家庄市", "长安区", "冀", "Shijiazhuang", "Chang'an District", "0311", "050", 2),
    Division("130104", "河北省", "石家庄市", "桥西区", "冀", "Shijiazhuang", "Qiaoxi District", "0311", "050", 2),
    Division("140105", "山西省", "太原市", "小店区", "晋", "Taiyuan", "Xiaodian District", "0351", "030", 2),
    Division("150102", "内蒙古自治区", "呼和浩特市", "新城区", "蒙", "Hohhot", "Xincheng District", "0471", "010", 1),
    Division("210102", "辽宁省", "沈阳市", "和平区", "辽", "Shenyang", "Heping District", "024", "110", 2),
    Division("210202", "辽宁省", "大连市", "中山区", "辽", "Dalian", "Zhongshan District", "0411", "116", 2),
    Division("220102", "吉林省", "长春市", "南关区", "吉", "Changchun", "Nanguan District", "0431", "130", 1),
    Division("230102", "黑龙江省", "哈尔滨市", "道里区", "黑", "Harbin", "Daoli District", "0451", "150", 1),
    Division("310101", "", "上海市", "黄浦区", "沪", "Shanghai", "Huangpu District", "021", "200", 3),
    Division("310104", "", "上海市", "徐汇区", "沪", "Shanghai", "Xuhui District", "021", "200", 4),
    Division("310105", "", "上海市", "长宁区", "沪", "Shanghai", "Changning District", "021", "200", 3),
    Division("310112", "", "上海市", "闵行区", "沪", "Shanghai", "Minhang District", "021", "201", 5),
    Division("310115", "", "上海市", "浦东新区", "沪", "Shanghai", "Pudong New Area", "021", "200", 9),
    Division("320102", "江苏省", "南京市", "玄武区", "苏", "Nanjing", "Xuanwu District", "025", "210", 3),
    Division("320211", "江苏省", "无锡市", "滨湖区", "苏", "Wuxi", "Binhu District", "0510", "214", 2),
    Division("320505", "江苏省", "苏州市", "虎丘区", "苏", "Suzhou", "Huqiu District", "0512", "215", 3),
    Division("320506", "江苏省", "苏州市", "吴中区", "苏", "Suzhou", "Wuzhong District", "0512", "215", 3),
    Division("330106", "浙江省", "杭州市", "西湖区", "浙", "Hangzhou", "Xihu District", "0571", "310", 4),
    Division("330108", "浙江省", "杭州市", "滨江区", "浙", "Hangzhou", "Binjiang District", "0571", "310", 4),
    Division("330203", "浙江省", "宁波市", "海曙区", "浙", "Ningbo", "Haishu District", "0574", "315", 3),
    Division("330782", "浙江省", "义乌市", "", "浙", "Yiwu", "", "0579", "322", 4),
    Division("340104", "安徽省", "合肥市", "蜀山区", "皖", "Hefei", "Shushan District", "0551", "230", 2),
    Division("350102", "福建省", "福州市", "鼓楼区", "闽", "Fuzhou", "Gulou District", "0591", "350", 2),
    Division("350203", "福建省", "厦门市", "思明区", "闽", "Xiamen", "Siming District", "0592", "361", 3),
    Division("360102", "江西省", "南昌市", "东湖区", "赣", "Nanchang", "Donghu District", "0791", "330", 2),
    Division("370102", "山东省", "济南市", "历下区", "鲁", "Jinan", "Lixia District", "0531", "250", 3),
    Division("370202", "山东省", "青岛市", "市南区", "鲁", "Qingdao", "Shinan District", "0532", "266", 3),
    Division("410105", "河南省", "郑州市", "金水区", "豫", "Zhengzhou", "Jinshui District", "0371", "450", 3),
    Division("420106", "湖北省", "武汉市", "武昌区", "鄂", "Wuhan", "Wuchang District", "027", "430", 3),
    Division("420111", "湖北省", "武汉市", "洪山区", "鄂", "Wuhan", "Hongshan District", "027", "430", 3),
    Division("430104", "湖南省", "长沙市", "岳麓区", "湘", "Changsha", "Yuelu District", "0731", "410", 3),
    Division("440103", "广东省", "广州市", "荔湾区", "粤", "Guangzhou", "Liwan District", "020", "510", 3),
    Division("440106", "广东省", "广州市", "天河区", "粤", "Guangzhou", "Tianhe District", "020", "510", 6),
    Division("440303", "广东省", "深圳市", "罗湖区", "粤", "Shenzhen", "Luohu District", "0755", "518", 4),
    Division("440304", "广东省", "深圳市", "福田区", "粤", "Shenzhen", "Futian District", "0755", "518", 6),
    Division("440305", "广东省", "深圳市", "南山区", "粤", "Shenzhen", "Nanshan District", "0755", "518", 7),
    Division("440604", "广东省", "佛山市", "禅城区", "粤", "Foshan", "Chancheng District", "0757", "528", 3),
    Division("441900", "广东省", "东莞市", "", "粤", "Dongguan", "", "0769", "523", 5),
    Division("450103", "广西壮族自治区", "南宁市", "青秀区", "桂", "Nanning", "Qingxiu District", "0771", "530", 2),
    Division("460106", "海南省", "海口市", "龙华区", "琼", "Haikou", "Longhua District", "0898", "570", 1),
    Division("500103", "", "重庆市", "渝中区", "渝", "Chongqing", "Yuzhong District", "023", "400", 3),
    Division("500112", "", "重庆市", "渝北区", "渝", "Chongqing", "Yubei District", "023", "401", 3),
    Division("510104", "四川省", "成都市", "锦江区", "川", "Chengdu", "Jinjiang District", "028", "610", 3),
    Division("510107", "四川省", "成都市", "武侯区", "川", "Chengdu", "Wuhou District", "028", "610", 4),
    Division("520102", "贵州省", "贵阳市", "南明区", "贵", "Guiyang", "Nanming District", "0851", "550", 1),
    Division("530102", "云南省", "昆明市", "五华区", "云", "Kunming", "Wuhua District", "0871", "650", 2),
    Division("610104", "陕西省", "西安市", "莲湖区", "陕", "Xi'an", "Lianhu District", "029", "710", 2),
    Division("610113", "陕西省", "西安市", "雁塔区", "陕", "Xi'an", "Yanta District", "029", "710", 3),
    Division("620102", "甘肃省", "兰州市", "城关区", "甘", "Lanzhou", "Chengguan District", "0931", "730", 1),
    Division("650102", "新疆维吾尔自治区", "乌鲁木齐市", "天山区", "新", "Urumqi", "Tianshan District", "0991", "830", 1),
)

# The provinces that have demo districts, keyed by six-digit code, named from the one
# province table the search filter uses too.
_DEMO_PROVINCE_PREFIXES = {division.code[:2] for division in DIVISIONS}
PROVINCES: dict[str, tuple[str, str]] = {
    prefix + "0000": names for prefix, names in PROVINCE_NAMES.items() if prefix in _DEMO_PROVINCE_PREFIXES
}

# Characters for trade names (字号), with pinyin for the English names.
TRADE_CHARS: dict[str, str] = {
    "华": "hua", "鑫": "xin", "源": "yuan", "泰": "tai", "盛": "sheng", "达": "da", "恒": "heng",
    "信": "xin", "宏": "hong", "富": "fu", "利": "li", "兴": "xing", "昌": "chang", "隆": "long",
    "祥": "xiang", "瑞": "rui", "丰": "feng", "通": "tong", "安": "an", "康": "kang", "明": "ming",
    "辉": "hui", "中": "zhong", "天": "tian", "金": "jin", "海": "hai", "新": "xin", "佳": "jia",
    "博": "bo", "凯": "kai", "嘉": "jia", "诚": "cheng", "德": "de", "远": "yuan", "创": "chuang",
    "东": "dong", "方": "fang", "正": "zheng", "永": "yong", "和": "he", "星": "xing", "光": "guang",
    "宇": "yu", "峰": "feng", "晨": "chen", "汇": "hui", "联": "lian", "万": "wan", "成": "cheng",
    "益": "yi", "荣": "rong", "润": "run", "智": "zhi", "科": "ke", "锦": "jin", "绿": "lv",
    "蓝": "lan", "云": "yun", "龙": "long", "顺": "shun", "平": "ping", "广": "guang", "聚": "ju",
    "坤": "kun", "鼎": "ding", "伟": "wei", "美": "mei", "乐": "le", "亿": "yi", "捷": "jie",
}


class Industry(NamedTuple):
    word: str
    word_en: str
    section: str  # GB/T 4754 section letter
    scope: str
    weight: int


INDUSTRIES: tuple[Industry, ...] = (
    Industry("科技", "Technology", "M", "技术开发、技术咨询、技术服务、技术转让；计算机系统服务。", 14),
    Industry("信息技术", "Information Technology", "I", "软件开发；信息系统集成服务；数据处理和存储支持服务。", 8),
    Industry("网络科技", "Network Technology", "I", "互联网信息服务；网络技术服务；广告设计、代理。", 6),
    Industry("电子", "Electronics", "C", "电子元器件制造；电子产品销售；货物进出口。", 4),
    Industry("机械设备", "Machinery", "C", "通用设备制造；机械设备销售；机械设备租赁。", 4),
    Industry("建筑工程", "Construction Engineering", "E", "建设工程施工；建筑劳务分包；工程管理服务。", 5),
    Industry("装饰工程", "Decoration Engineering", "E", "住宅室内装饰装修；建筑装饰材料销售。", 4),
    Industry("贸易", "Trading", "F", "日用百货销售；五金产品批发；货物进出口；技术进出口。", 10),
    Industry("商贸", "Commerce", "F", "食品销售；日用品批发；办公用品销售。", 7),
    Industry("食品", "Food", "C", "食品生产；食品销售；农副产品销售。", 4),
    Industry("餐饮管理", "Catering Management", "H", "餐饮服务；餐饮管理；食品销售。", 4),
    Industry("酒店管理", "Hotel Management", "H", "住宿服务；酒店管理；会议及展览服务。", 2),
    Industry("物流", "Logistics", "G", "道路货物运输；国内货物运输代理；仓储服务。", 4),
    Industry("房地产开发", "Real Estate Development", "K", "房地产开发经营；物业管理；非居住房地产租赁。", 2),
    Industry("物业管理", "Property Management", "K", "物业管理；停车场服务；家政服务。", 3),
    Industry("投资管理", "Investment Management", "L", "以自有资金从事投资活动；企业管理咨询。", 3),
    Industry("企业管理咨询", "Management Consulting", "L", "企业管理咨询；信息咨询服务；市场营销策划。", 4),
    Industry("文化传媒", "Culture and Media", "R", "组织文化艺术交流活动；广告制作；摄影扩印服务。", 4),
    Industry("教育科技", "Education Technology", "P", "教育咨询服务；软件开发；组织文化艺术交流活动。", 2),
    Industry("医疗器械", "Medical Devices", "F", "第二类医疗器械销售；医护人员防护用品批发。", 2),
    Industry("生物科技", "Biotechnology", "M", "生物技术推广服务；生物化工产品技术研发。", 2),
    Industry("环保科技", "Environmental Technology", "N", "环境保护专用设备销售；污水处理及其再生利用。", 2),
    Industry("新能源", "New Energy", "D", "太阳能发电技术服务；储能技术服务；电池销售。", 2),
    Industry("农业发展", "Agricultural Development", "A", "谷物种植；蔬菜种植；农产品的生产、销售、加工。", 2),
    Industry("化工", "Chemicals", "C", "化工产品销售（不含许可类化工产品）；专用化学产品制造。", 2),
    Industry("服饰", "Apparel", "C", "服装制造；服装服饰批发；鞋帽零售。", 2),
    Industry("汽车销售服务", "Automobile Sales and Service", "F", "汽车新车销售；二手车经纪；机动车修理和维护。", 2),
)

SHOP_WORDS = ("便利店", "五金店", "小吃店", "烟酒店", "理发店", "水果店", "副食店", "服装店", "手机维修店", "日用品店")
SOLE_PROP_WORDS = ("五金加工厂", "服装厂", "印刷厂", "贸易商行", "建材经营部", "餐饮店", "塑料制品厂")
COOPERATIVE_WORDS = ("蔬菜种植", "水果种植", "茶叶种植", "养殖", "粮食种植", "花卉苗木")
PARTNERSHIP_WORDS = ("投资管理中心（有限合伙）", "企业管理咨询中心（有限合伙）", "创业投资合伙企业（有限合伙）")

BANKS = (
    "中国工商银行股份有限公司", "中国建设银行股份有限公司", "中国农业银行股份有限公司", "中国银行股份有限公司",
    "交通银行股份有限公司", "招商银行股份有限公司", "兴业银行股份有限公司", "上海浦东发展银行股份有限公司",
)
COLLATERALS = ("生产设备一批", "机动车辆3台", "存货（原材料及产成品）", "数控机床5台", "办公设备一批", "运输车辆2台")

LICENCES = (
    ("食品经营许可证", "预包装食品销售（含冷藏冷冻食品）；热食类食品制售", "JY1"),
    ("道路运输经营许可证", "道路普通货物运输", "交运管许可"),
    ("建筑业企业资质证书", "建筑工程施工总承包三级", "D2"),
    ("排污许可证", "大气污染物、水污染物排放", "PW"),
    ("第二类医疗器械经营备案凭证", "第二类医疗器械批发、零售", "备"),
    ("增值电信业务经营许可证", "信息服务业务（仅限互联网信息服务）", "ICP"),
    ("出版物经营许可证", "出版物零售", "新出发"),
    ("危险化学品经营许可证", "危险化学品批发（不带储存设施）", "危化经"),
)

PENALTIES_MARKET = (
    ("发布虚假广告", "责令停止发布广告，在相应范围内消除影响，罚款"),
    ("销售不合格产品", "没收违法销售的产品，罚款"),
    ("未按规定公示年度报告", "责令限期改正，罚款"),
    ("价格违法行为", "责令改正，罚款"),
    ("销售侵犯注册商标专用权的商品", "没收侵权商品，罚款"),
    ("未取得许可从事经营活动", "没收违法所得，罚款"),
)
PENALTIES_TAX = (
    ("未按照规定期限办理纳税申报", "罚款"),
    ("未按规定开具发票", "责令改正，没收违法所得，罚款"),
)
PENALTIES_ENV = (
    ("超标排放大气污染物", "责令改正，罚款"),
    ("未依法取得排污许可证排放污染物", "责令停止排污，罚款"),
)
PENALTIES_FINANCE = (("未按规定报送统计报表", "警告，罚款"),)

CHANGE_ITEMS = ("住所变更", "注册资本变更", "经营范围变更", "法定代表人变更", "投资人（股权）变更", "名称变更", "高级管理人员备案")

INSTANT_KINDS = ("capital", "equity_transfer", "licence", "penalty")

# (kind, approval matter) of the demo's letters; the text is the kind's current template.
COMMITMENT_TEXTS = (
    ("general", ""),
    ("general", ""),
    ("licensing", "食品经营许可（仅销售预包装食品备案）"),
    ("licensing", "公共场所卫生许可"),
    ("industry", ""),
)
