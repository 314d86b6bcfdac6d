"""The standard lists, their reasons and owning agencies, so that every install has them."""

from django.db import migrations

AGENCIES = [
    ("SAMR", "国家市场监督管理总局", "State Administration for Market Regulation", "market"),
    ("STA", "国家税务总局", "State Taxation Administration", "tax"),
    ("SPC", "最高人民法院", "Supreme People's Court", "court"),
    ("MEE", "生态环境部", "Ministry of Ecology and Environment", "environment"),
    ("MOF", "财政部", "Ministry of Finance", "finance"),
    ("NDRC", "国家发展和改革委员会", "National Development and Reform Commission", "development"),
]

LISTS = [
    {
        "code": "abnormal-operations",
        "name": "经营异常名录",
        "name_en": "Abnormal operations list",
        "colour": "black",
        "category": "abnormal",
        "owner": "SAMR",
        "legal_basis": "《企业信息公示暂行条例》第十七条；《经营异常名录管理办法》（市场监管总局令第101号）第四条",
        "subject_type": "market_entity",
        "severity": "minor",
        "min": None,
        "max": None,
        "consequences": "在政府采购、工程招投标、国有土地出让、授予荣誉称号等工作中依法予以限制；列为重点监管对象。",
        "consequences_en": (
            "Restricted in government procurement, bidding, state land transfers and honours; "
            "treated as a target of closer supervision."
        ),
        "removal": "履行相关义务（补报并公示年度报告、公示有关信息、办理名称变更登记、证明可以通过住所联系）后申请移出，"
        "登记机关自受理之日起2个工作日内作出决定；个体工商户于次年6月30日后自动恢复。",
        "removal_en": (
            "Cure the cause (file and publish the missing annual report, make the ordered disclosure, register the "
            "name change, or show the registered address is reachable), then apply for removal; the registration "
            "authority decides within 2 working days of accepting the application. Sole proprietors' marking ends "
            "on 30 June of the next year."
        ),
        "sort": 10,
        "reasons": [
            ("no_annual_report", "未依照《企业信息公示暂行条例》第八条规定的期限公示年度报告的",
             "Annual report not published by the deadline of Art. 8 of the Interim Regulation", False),
            ("disclosure_not_made", "未在市场监督管理部门依照《企业信息公示暂行条例》第十条规定责令的期限内公示有关企业信息的",
             "Information not published within the period ordered under Art. 10 of the Interim Regulation", False),
            ("name_change_not_registered", "未依照《企业名称登记管理规定》第二十三条规定办理名称变更登记的",
             "Required name change not registered (Art. 23 of the Enterprise Name Registration Provisions)", False),
            ("unreachable", "通过登记的住所或者经营场所无法联系的",
             "Cannot be contacted at the registered domicile or business premises", False),
        ],
    },
    {
        "code": "serious-illegal",
        "name": "严重违法失信名单",
        "name_en": "Serious illegal and dishonest list",
        "colour": "black",
        "category": "serious",
        "owner": "SAMR",
        "legal_basis": "《市场监督管理严重违法失信名单管理办法》（市场监管总局令第44号）第二条至第十一条",
        "subject_type": "market_entity",
        "severity": "serious",
        "min": 12,
        "max": 36,
        "consequences": "列为重点监管对象，提高检查频次；不适用告知承诺制；不予授予市场监督管理部门荣誉称号；"
        "在审批、资质、政府采购、招标投标等工作中依法予以限制。",
        "consequences_en": (
            "Key supervision target with more frequent inspections; no notification-and-commitment approvals; "
            "no market-regulation honours; restrictions in approvals, qualifications, government procurement "
            "and bidding."
        ),
        "removal": "列入满1年，已履行行政处罚、消除危害后果且未再受较重行政处罚的，可提交申请书、守信承诺书和相关材料申请提前移出；"
        "列入满3年自动移出。",
        "removal_en": (
            "After at least one year on the list, having performed the penalty, removed the harm and received no "
            "further heavier penalty, apply for early removal with an application, a credit commitment letter and "
            "evidence. Removal is automatic after three years."
        ),
        "sort": 20,
        "reasons": [
            ("heavier_penalty", "因严重违法行为受到较重行政处罚",
             "Heavier administrative penalty for a serious violation", False),
            ("false_disclosure", "公示信息隐瞒真实情况、弄虚作假，情节严重",
             "Concealment or falsification in published information, serious circumstances", True),
            ("refused_decision", "有履行能力但拒不执行、逃避执行市场监督管理部门作出的行政处罚决定",
             "Refused or evaded a market-regulation decision while able to comply", False),
            ("food_safety", "食品安全领域严重违法行为", "Serious violation in food safety", False),
        ],
    },
    {
        "code": "major-tax-violators",
        "name": "重大税收违法失信主体",
        "name_en": "Major tax violators",
        "colour": "black",
        "category": "tax",
        "owner": "STA",
        "legal_basis": "《重大税收违法失信主体信息公布管理办法》（国家税务总局令第54号）",
        "subject_type": "taxpayer",
        "severity": "serious",
        "min": 12,
        "max": 36,
        "consequences": "纳税信用直接判为D级；发票领用和出口退税从严管理；依照联合惩戒备忘录实施惩戒。",
        "consequences_en": (
            "Tax credit grade set to D; tighter control of invoices and export rebates; joint punishment under "
            "the memoranda."
        ),
        "removal": "缴清税款、滞纳金和罚款后，可申请提前停止公布；公布期满3年停止公布。",
        "removal_en": "Pay the tax, late fees and fines, then apply to stop publication early; it stops after 3 years.",
        "sort": 30,
        "reasons": [
            ("tax_evasion", "偷税", "Tax evasion", False),
            ("false_invoices", "虚开增值税专用发票", "Issuing false VAT invoices", False),
            ("arrears_evasion", "逃避追缴欠税", "Evading collection of tax arrears", False),
        ],
    },
    {
        "code": "dishonest-judgment-debtors",
        "name": "失信被执行人名单",
        "name_en": "Dishonest judgment debtors",
        "colour": "black",
        "category": "judicial",
        "owner": "SPC",
        "legal_basis": "《最高人民法院关于公布失信被执行人名单信息的若干规定》（法释〔2017〕7号）第一条",
        "subject_type": "market_entity",
        "severity": "serious",
        "min": None,
        "max": 24,
        "consequences": "限制高消费；不得作为供应商参加政府采购；限制发行债券、获得政府补贴和荣誉。",
        "consequences_en": (
            "High-consumption limits; barred from government procurement as a supplier; restrictions on bonds, "
            "subsidies and honours."
        ),
        "removal": "全部履行生效法律文书确定的义务或与申请执行人达成和解并履行后，由人民法院在3个工作日内删除。",
        "removal_en": (
            "Perform all obligations set by the judgment (or a performed settlement); the court removes the entry "
            "within 3 working days."
        ),
        "sort": 40,
        "reasons": [
            ("able_not_performing", "有履行能力而拒不履行生效法律文书确定义务",
             "Able to perform but refuses to perform the judgment", False),
            ("evading_enforcement", "以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行",
             "Evades enforcement by sham litigation or hiding assets", False),
        ],
    },
    {
        "code": "procurement-blacklist",
        "name": "政府采购严重违法失信行为记录名单",
        "name_en": "Government procurement blacklist",
        "colour": "black",
        "category": "procurement",
        "owner": "MOF",
        "legal_basis": "《中华人民共和国政府采购法》第七十七条；《政府采购法实施条例》第七十二条",
        "subject_type": "supplier",
        "severity": "serious",
        "min": 12,
        "max": 36,
        "consequences": "在禁止期限内不得参加政府采购活动。",
        "consequences_en": "Barred from government procurement during the ban.",
        "removal": "禁止参加政府采购活动的期限届满后自动移出。",
        "removal_en": "Removed automatically when the procurement ban ends.",
        "sort": 50,
        "reasons": [
            ("false_bid_materials", "提供虚假材料谋取中标、成交", "False materials to win a contract", False),
            ("collusive_bidding", "与其他供应商恶意串通", "Collusion with other suppliers", False),
        ],
    },
    {
        "code": "environmental-violators",
        "name": "环境保护领域失信生产经营单位",
        "name_en": "Environmental violators",
        "colour": "black",
        "category": "environment",
        "owner": "MEE",
        "legal_basis": "《关于对环境保护领域失信生产经营单位及其有关人员开展联合惩戒的合作备忘录》（发改财金〔2016〕1580号）",
        "subject_type": "enterprise",
        "severity": "general",
        "min": 3,
        "max": 12,
        "consequences": "限制土地供应、生产许可、政府采购、财政资金项目招标和债券发行。",
        "consequences_en": (
            "Restrictions on land supply, production permits, government procurement, publicly funded bidding "
            "and bond issuance."
        ),
        "removal": "完成整改并公示满3个月后可申请信用修复；公示满1年自动停止公示。",
        "removal_en": "After correction and at least 3 months' publication apply for repair; publication ends after 1 year.",
        "sort": 60,
        "reasons": [
            ("illegal_discharge", "超标或者违法排放污染物", "Illegal or excessive discharge of pollutants", False),
            ("falsified_monitoring", "篡改、伪造监测数据", "Falsified monitoring data", False),
        ],
    },
    {
        "code": "a-grade-taxpayers",
        "name": "纳税信用A级纳税人",
        "name_en": "A-grade taxpayers",
        "colour": "red",
        "category": "tax",
        "owner": "STA",
        "legal_basis": "《纳税信用管理办法（试行）》；《关于对纳税信用A级纳税人实施联合激励措施的合作备忘录》（发改财金〔2016〕1467号）",
        "subject_type": "taxpayer",
        "severity": "none",
        "min": None,
        "max": 12,
        "consequences": "行政审批绿色通道，融资、通关等方面优先便利。",
        "consequences_en": "Green channel for administrative approvals; priority in financing, customs and other services.",
        "removal": "年度纳税信用评价结果发布后更新；评价期满停止公示。",
        "removal_en": "Updated when the annual tax credit evaluation is published; publication ends with the period.",
        "sort": 70,
        "reasons": [
            ("annual_evaluation", "年度纳税信用评价为A级", "Rated A in the annual tax credit evaluation", False),
        ],
    },
]


def create_lists(apps, schema_editor):
    Agency = apps.get_model("credit", "Agency")
    CreditList = apps.get_model("listings", "CreditList")
    ListReason = apps.get_model("listings", "ListReason")
    agencies = {}
    for code, name, name_en, kind in AGENCIES:
        agencies[code], _ = Agency.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "level": "national", "region_code": "100000", "kind": kind},
        )
    for spec in LISTS:
        credit_list, _ = CreditList.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "name_en": spec["name_en"],
                "colour": spec["colour"],
                "category": spec["category"],
                "owner_agency": agencies[spec["owner"]],
                "legal_basis": spec["legal_basis"],
                "subject_type": spec["subject_type"],
                "severity": spec["severity"],
                "min_publication_months": spec["min"],
                "max_publication_months": spec["max"],
                "consequences": spec["consequences"],
                "consequences_en": spec["consequences_en"],
                "removal_conditions": spec["removal"],
                "removal_conditions_en": spec["removal_en"],
                "sort_order": spec["sort"],
            },
        )
        for code, name, name_en, bars in spec["reasons"]:
            ListReason.objects.update_or_create(
                credit_list=credit_list,
                code=code,
                defaults={"name": name, "name_en": name_en, "bars_legal_representative": bars},
            )


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0001_initial"),
        ("credit", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_lists, migrations.RunPython.noop)]
