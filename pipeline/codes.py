"""The national classifications' top levels by name: 支出功能分类 类 and 支出经济分类 类. A 收支总表 names
its classes without codes, and some basic-expenditure tables print names only; these give them their codes."""
from __future__ import annotations

from .text import label_key

# 支出功能分类 类 names → codes (2024 edition; names as printed in the 收支总表 rows).
FUNCTIONAL_CLASSES = {
    "一般公共服务支出": "201", "外交支出": "202", "国防支出": "203", "公共安全支出": "204", "教育支出": "205",
    "科学技术支出": "206", "文化旅游体育与传媒支出": "207", "社会保障和就业支出": "208", "社会保险基金支出": "209",
    "卫生健康支出": "210", "节能环保支出": "211", "城乡社区支出": "212", "农林水支出": "213", "交通运输支出": "214",
    "资源勘探工业信息等支出": "215", "商业服务业等支出": "216", "金融支出": "217", "援助其他地区支出": "219",
    "自然资源海洋气象等支出": "220", "住房保障支出": "221", "粮油物资储备支出": "222",
    "国有资本经营预算支出": "223", "灾害防治及应急管理支出": "224", "预备费": "227", "其他支出": "229",
    "转移性支出": "230", "债务还本支出": "231", "债务付息支出": "232", "债务发行费用支出": "233",
    "抗疫特别国债安排的支出": "234",
}

# 支出经济分类 (部门) 类 names → codes, for basic-expenditure tables printed without codes.
ECONOMIC_CLASSES = {
    "工资福利支出": "301", "商品和服务支出": "302", "对个人和家庭的补助": "303", "债务利息及费用支出": "307",
    "资本性支出": "310", "资本性支出（基本建设）": "309", "对企业补助": "312", "对社会保障基金补助": "313",
    "对事业单位经常性补助": "507", "其他支出": "399",
}


FUNCTIONAL_NAMES = {code: name for name, code in FUNCTIONAL_CLASSES.items()}
ECONOMIC_NAMES = {code: name for name, code in ECONOMIC_CLASSES.items()}


def functional_class(label: str) -> str:
    """The 类 code a 收支总表 row names (一、一般公共服务支出 → 201), or ''."""
    n = label_key(label)
    if n in FUNCTIONAL_CLASSES:
        return FUNCTIONAL_CLASSES[n]
    # truncated by the extraction: 灾害防治及应急管理支 → 224
    if len(n) >= 6:
        hits = [c for name, c in FUNCTIONAL_CLASSES.items() if name.startswith(n)]
        if len(hits) == 1:
            return hits[0]
    return ""


def economic_class(label: str) -> str:
    return ECONOMIC_CLASSES.get(label_key(label), "")
